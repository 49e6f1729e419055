package io.moesim.validation.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.FrameworkProfile;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The MMHA fallback's multi-block figure as validate --database writes it: in the JSON, in the YAML, and read back from the YAML. */
class FallbackSplitReportTest {
    private static final FrameworkProfile.ClassFigures DECODE = new FrameworkProfile.ClassFigures(OptionalDouble.of(6.67), OptionalDouble.of(0.654),
            OptionalDouble.of(1.04), OptionalDouble.of(3021.7), OptionalDouble.of(32)).withFallbackGBps(56.6).withFallbackItemNs(1153).withFallbackSplitWaveNs(8454.7);
    private static final FrameworkProfile TRT = new FrameworkProfile("trtllm", "t", Map.of("attention_decode", DECODE), false, Optional.empty());

    @Test
    void theSplitFigureIsWrittenAndReadsBack() throws java.io.IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> decode = (Map<String, Object>) ((Map<String, Object>) DbReports.profileMap(TRT).get("classes")).get("attention_decode");
        assertEquals(8454.7, decode.get("fallback_split_wave_ns"));
        String yaml = DbReports.yaml(TRT, new DbFit.Result(TRT, Map.of("attention_decode", 139), Map.of()), "test rows");
        assertTrue(yaml.contains("fallback_split_wave_ns: {value: 8454.7") && yaml.contains("multi_block_grid_setup"), yaml);
        java.nio.file.Path f = java.nio.file.Files.createTempFile("trtllm", ".yaml");
        try {
            java.nio.file.Files.writeString(f, yaml);
            FrameworkProfile.ClassFigures back = io.moesim.hw.FrameworkProfiles.load(f.toString()).figures("attention_decode");
            assertEquals(OptionalDouble.of(8454.7), back.fallbackSplitWaveNs());
            assertTrue(back.splitsFallback());
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
        // without the figure nothing is written
        FrameworkProfile plain = new FrameworkProfile("trtllm", "t", Map.of("attention_decode", DECODE.withFallbackSplitWaveNs(0)), false, Optional.empty());
        assertFalse(DbReports.yaml(plain, new DbFit.Result(plain, Map.of("attention_decode", 139), Map.of()), "test rows").contains("fallback_split_wave_ns"));
    }
}
