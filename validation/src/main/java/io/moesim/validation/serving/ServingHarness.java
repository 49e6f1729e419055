package io.moesim.validation.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.sim.serving.ArrivalSpec;
import io.moesim.validation.trace.TraceException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * A serving harness a benchmark drove its engine through, where it is not the framework's own benchmark: its host costs
 * replace the engine figures of the framework profile (which are those of the framework's own benchmark, e.g.
 * trtllm-bench's), and it adds a latency to every request's first token.
 *
 * <p>Why a harness of its own: TensorRT-LLM's profile carries the per-iteration host cost fitted on trtllm-bench's offline
 * rows (3.4 ms per iteration); the Triton backend's rows (the online serving table) measure a decode step of Llama 3.1 8B
 * at 7-8 ms where that figure alone would take 3.4 of it. The Triton rows pay other costs: a per-request latency before the
 * first token reaches the client (the ensemble's tokenisation and the streamed response through the front end) and a
 * per-sequence cost each iteration (a response streamed per sequence per step). Each is fitted on the harness's own
 * calibration server rows ({@link ServingValidation#fitHarnesses}); its held-back rows test it.
 *
 * @param id                  the name rows give it ({@code harness})
 * @param framework           the framework whose engine it drives
 * @param iterationOverheadUs host time per iteration the GPUs wait for, in place of the profile's
 * @param perSequenceUs       host time per sequence in the iteration, in place of the profile's
 * @param requestLatencyMs    time from a request's arrival to its first token beyond the engine's (front end, pre- and
 *                            post-processing), added to its TTFT
 * @param source              where the figures come from
 * @param poissonGaps         how the harness's client draws the gaps of its Poisson arrivals (numpy's legacy generator for
 *                            vLLM's {@code benchmark_serving.py}, whose printout the online table's columns are), which a
 *                            server row then runs at its seed
 */
public record ServingHarness(String id, String framework, double iterationOverheadUs, double perSequenceUs, double requestLatencyMs,
        String source, ArrivalSpec.PoissonGaps poissonGaps) {

    /** The file beside a set's rows that names its harnesses. */
    public static final String FILE = "harnesses.json";

    private static final Set<String> KEYS = Set.of("framework", "iteration_overhead_us", "per_sequence_us", "request_latency_ms", "poisson_gaps", "source",
            "what");

    /** A harness whose client draws its gaps as moesim does. */
    public ServingHarness(String id, String framework, double iterationOverheadUs, double perSequenceUs, double requestLatencyMs, String source) {
        this(id, framework, iterationOverheadUs, perSequenceUs, requestLatencyMs, source, ArrivalSpec.PoissonGaps.MOESIM);
    }

    public ServingHarness {
        java.util.Objects.requireNonNull(poissonGaps, "poissonGaps");
        for (double v : new double[] {iterationOverheadUs, perSequenceUs, requestLatencyMs}) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("harness " + id + ": figures must be finite and >= 0");
            }
        }
    }

    /** This harness with other figures (the fit's candidates and result). */
    public ServingHarness with(double iterationUs, double sequenceUs, double latencyMs, String src) {
        return new ServingHarness(id, framework, iterationUs, sequenceUs, latencyMs, src, poissonGaps);
    }

    /**
     * The harnesses of a set: {@link #FILE} in its folder (or beside its file); none where there is no such file. Unknown
     * keys and bad figures stop the read with the file and the key.
     */
    public static Map<String, ServingHarness> read(Path set) {
        return NamedEntries.read(set, FILE, KEYS, (f, id, h) -> {
            JsonNode fw = h.get("framework");
            if (fw == null || !fw.isTextual()) {
                throw new TraceException(f.toString(), 0, id + ".framework: expected the framework whose engine it drives");
            }
            String src = h.path("iteration_overhead_us").path("source").asText("");
            ArrivalSpec.PoissonGaps gaps = ArrivalSpec.PoissonGaps.MOESIM;
            if (h.has("poisson_gaps")) {
                JsonNode v = h.path("poisson_gaps").path("value");
                if (!v.isTextual()) {
                    throw new TraceException(f.toString(), 0, id + ".poisson_gaps: expected {value: \"moesim\" or \"numpy\", source: ...}");
                }
                try {
                    gaps = ArrivalSpec.PoissonGaps.parse(v.asText(), id + ".poisson_gaps");
                } catch (io.moesim.ir.MoesimException e) {
                    throw new TraceException(f.toString(), 0, e.getMessage());
                }
            }
            return new ServingHarness(id, fw.asText(), figure(f, id, h, "iteration_overhead_us"), figure(f, id, h, "per_sequence_us"),
                    figure(f, id, h, "request_latency_ms"), src, gaps);
        });
    }

    /**
     * The harness a row names, of those read beside it ({@code known}): one the file names, for the row's framework. Anything
     * else stops with the row's file and line.
     */
    static ServingHarness named(ServingRow r, Map<String, ServingHarness> known) {
        ServingHarness h = NamedEntries.named(r, "harness", r.harness().orElseThrow(), known, FILE);
        if (!h.framework().equals(r.framework())) {
            throw new TraceException(r.file(), r.line(), "harness: '" + h.id() + "' drives " + h.framework() + ", not " + r.framework());
        }
        return h;
    }

    private static double figure(Path f, String id, JsonNode h, String key) {
        JsonNode v = h.path(key).path("value");
        if (!v.isNumber() || !(v.asDouble() >= 0) || Double.isInfinite(v.asDouble())) {
            throw new TraceException(f.toString(), 0, id + "." + key + ": expected {value: a number >= 0, source: ...}");
        }
        return v.asDouble();
    }
}
