package io.moesim.validation.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.sim.SimulationException;
import io.moesim.sim.serving.LengthSpec;
import io.moesim.validation.trace.TraceException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The requests of a benchmark whose lengths are not all the row's {@code in}/{@code out}: a dataset the source names only by
 * its mean lengths. Its rows run their requests' lengths drawn from {@code lengths} (a {@link LengthSpec}, seeded) around the
 * row's means.
 *
 * <p>Why: TensorRT-LLM's online serving table gives its 202/214 rows only as means, and their own published figures show that
 * the lengths vary. With all 500 requests sent at once (QPS INF) and one length, every request runs from t = 0 to about the
 * run's end, so the mean latency (mean TTFT + (out - 1) x mean ITL) is about the run's duration (500 x out / output
 * throughput): 0.98 of it on the 467/256 and 467/16 rows, 0.47-0.51 on every 202/214 row
 * ({@code ServingDatasetTest.theClosedRowsShowWhichLengthsVary}). A run of varied lengths lasts until its longest request
 * ends, with few requests left in its tail, which lowers the throughput at high load and not at low. The spread is not
 * published: it is one figure per dataset, fitted on the dataset's calibration rows ({@link ServingValidation#fitDatasets}).
 *
 * @param id      the name rows give it ({@code dataset})
 * @param lengths how each request's lengths are drawn around the row's means
 * @param source  where the figure comes from
 */
public record ServingDataset(String id, LengthSpec lengths, String source) {

    /** The file beside a set's rows that names its datasets. */
    public static final String FILE = "datasets.json";

    private static final Set<String> KEYS = Set.of("lengths", "what");

    /** This dataset with other lengths (the fit's candidates and result). */
    public ServingDataset with(LengthSpec other, String src) {
        return new ServingDataset(id, other, src);
    }

    /** The datasets of a set: {@link #FILE} beside its rows; none where there is no such file. */
    public static Map<String, ServingDataset> read(Path set) {
        Path f = NamedEntries.file(set, FILE);
        return NamedEntries.read(set, FILE, KEYS, (id, d) -> {
            JsonNode v = d.path("lengths").path("value");
            if (!v.isTextual()) {
                throw new TraceException(f.toString(), 0, id + ".lengths: expected {value: \"lognormal:SPREAD\" (or any --lengths spec), source: ...}");
            }
            LengthSpec spec;
            try {
                String text = v.asText();
                // a file of lengths is beside this file, not in the working folder
                spec = LengthSpec.parse(text.startsWith("file:") ? "file:" + f.resolveSibling(text.substring(5)) : text);
            } catch (SimulationException | IllegalArgumentException e) {
                throw new TraceException(f.toString(), 0, id + ".lengths: " + e.getMessage());
            }
            return new ServingDataset(id, spec, d.path("lengths").path("source").asText(""));
        });
    }

    /** The dataset a row names, of those read beside it; an unknown name stops with the row's file and line. */
    static ServingDataset named(ServingRow r, Map<String, ServingDataset> known) {
        return NamedEntries.named(r, "dataset", r.dataset().orElseThrow(), known, FILE);
    }
}
