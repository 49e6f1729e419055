package io.moesim.validation.compare;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moesim.validation.Validation;
import io.moesim.validation.ValidationOptions;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.Split;
import io.moesim.validation.trace.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The committed published set parses, cites a source on every row, has both splits, and validates
 * with calibration. The report is written to the build folder (validation-published.json) for the
 * issue note.
 */
@Tag("slow")
class PublishedSetTest {

    @Test
    void publishedSetParsesAndValidates() throws Exception {
        Path dir = Validation.publishedSet(Path.of("..").toAbsolutePath().normalize());
        List<Measurement> rows = TraceReader.read(dir);
        assertFalse(rows.isEmpty());
        for (Measurement m : rows) {
            assertFalse(m.source().isBlank(), m.where());
            assertTrue(m.reported().isPresent() || m.conversion().equals("measured"), m.where());
        }
        assertTrue(rows.stream().anyMatch(m -> m.split() == Split.TEST));
        assertTrue(rows.stream().anyMatch(m -> m.split() == Split.CALIBRATION));
        ValidationReport r = Validation.run(dir, null, ValidationOptions.defaults().withCalibration());
        Path out = Path.of(System.getProperty("moesim.report.dir", "target")).resolve("validation-published.json");
        Files.createDirectories(out.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), r.toJson());
        assertTrue(Files.size(out) > 0);
    }
}
