package io.moesim.validation.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.ir.MoesimException;
import io.moesim.sim.Parsed;
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
 * throughput): 0.98-0.99 of it on the 467/256 and 467/16 rows, 0.47-0.51 on every 202/214 row
 * ({@code ServingDatasetTest.theClosedRowsShowWhichLengthsVary}). A run of varied lengths lasts until its longest request
 * ends, with few requests left in its tail, which lowers the throughput at high load and not at low. The spread is not
 * published: it is one figure per dataset, fitted on the dataset's calibration rows ({@link ServingValidation#fitDatasets}).
 *
 * @param id      the name rows give it ({@code dataset})
 * @param lengths how each request's lengths are drawn: around the row's means ({@code lognormal}, {@code gaussian}), or
 *                the pairs of a file of lengths, which then stand in for the row's in/out
 * @param source  where the figure comes from
 */
public record ServingDataset(String id, Parsed<LengthSpec> lengths, String source) {

    /** The file beside a set's rows that names its datasets. */
    public static final String FILE = "datasets.json";

    private static final Set<String> KEYS = Set.of("lengths", "what");

    /** A dataset of log-normal lengths with this spread (the fit's candidates and result). */
    public static Parsed<LengthSpec> logNormal(double spread) {
        LengthSpec.LogNormal l = new LengthSpec.LogNormal(spread);
        return new Parsed<>(l.toString(), l);
    }

    /** This dataset with other lengths. */
    public ServingDataset with(Parsed<LengthSpec> other, String src) {
        return new ServingDataset(id, other, src);
    }

    /**
     * The datasets of a set: {@link #FILE} beside its rows; none where there is no such file. A file of lengths it names
     * ({@code file:PATH} or a plain path) is found beside {@link #FILE}, wherever the command runs.
     */
    public static Map<String, ServingDataset> read(Path set) {
        return NamedEntries.read(set, FILE, KEYS, (f, id, d) -> {
            JsonNode v = d.path("lengths").path("value");
            if (!v.isTextual()) {
                throw new TraceException(f.toString(), 0, id + ".lengths: expected {value: \"lognormal:SPREAD\" (or any --lengths spec), source: ...}");
            }
            try {
                return new ServingDataset(id, Parsed.lengths(v.asText(), "lengths", f.toAbsolutePath().getParent()),
                        d.path("lengths").path("source").asText(""));
            } catch (MoesimException e) {
                throw new TraceException(f.toString(), 0, id + "." + e.getMessage());
            }
        });
    }

    /** The dataset a row names, of those read beside it; an unknown name stops with the row's file and line. */
    static ServingDataset named(ServingRow r, Map<String, ServingDataset> known) {
        return NamedEntries.named(r, "dataset", r.dataset().orElseThrow(), known, FILE);
    }
}
