package io.moesim.validation.serving;

import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One published serving measurement with every setting needed to re-run it.
 *
 * @param id            unique name of the row
 * @param scenario      how the benchmark offered its requests
 * @param framework     serving stack that measured it ({@code trtllm}, {@code vllm}, {@code sglang})
 * @param model         zoo model the figure is predicted on
 * @param dtype         serving precision (weights, activations and KV cache)
 * @param system        moesim system id ({@code h100x2}, ...) the row runs on
 * @param tp            tensor-parallel degree (attention and MoE)
 * @param ep            expert-parallel degree (MoE; attention runs data-parallel over it)
 * @param requests      requests the benchmark served
 * @param in            prompt length of every request
 * @param out           output length of every request
 * @param qps           server scenario: Poisson arrival rate, requests/s (0 otherwise)
 * @param concurrency   closed scenario: requests in flight (0 otherwise)
 * @param maxBatch      engine's max batch size (sequences per iteration)
 * @param maxNumTokens  engine's token budget per iteration
 * @param kvFraction    fraction of the memory left after the weights given to the KV cache (0: moesim's default)
 * @param chunkedPrefill whether the benchmark's engine split prompts over iterations (its chunked context); empty: the
 *                      framework profile's {@code serving.chunked_prefill}
 * @param harness       the serving harness the benchmark drove the engine through ({@link ServingHarness}, e.g. {@code triton});
 *                      empty: the framework's own benchmark, whose engine costs are the profile's
 * @param dataset       the dataset whose lengths the requests have around {@code in}/{@code out} ({@link ServingDataset});
 *                      empty: every request has exactly {@code in}/{@code out}
 * @param measured      the published figures
 * @param source        where the figures come from: URL, table, date
 * @param line          line of the row in its file (for messages)
 */
public record ServingRow(String id, Scenario scenario, String framework, String frameworkVersion, String model, String dtype, String system,
        int tp, int ep, int requests, int in, int out, double qps, int concurrency, int maxBatch, long maxNumTokens, double kvFraction,
        Optional<Boolean> chunkedPrefill, Optional<String> harness, Optional<String> dataset, Measured measured, Source source, String note,
        String file, int line) {

    /** A row that leaves chunked prefill to its framework's profile and names no harness or dataset (a copy made with it drops them). */
    public ServingRow(String id, Scenario scenario, String framework, String frameworkVersion, String model, String dtype, String system,
            int tp, int ep, int requests, int in, int out, double qps, int concurrency, int maxBatch, long maxNumTokens, double kvFraction,
            Measured measured, Source source, String note, String file, int line) {
        this(id, scenario, framework, frameworkVersion, model, dtype, system, tp, ep, requests, in, out, qps, concurrency, maxBatch, maxNumTokens,
                kvFraction, Optional.empty(), Optional.empty(), Optional.empty(), measured, source, note, file, line);
    }

    /** How a benchmark offers its requests. */
    public enum Scenario {
        /** Every request queued at t = 0 (trtllm-bench throughput, vLLM's offline throughput benchmark). */
        OFFLINE,
        /** Poisson arrivals at {@code qps} (online serving benchmarks, MLPerf's server scenario). */
        SERVER,
        /** A fixed number of requests in flight (benchmarks run at a set concurrency). */
        CLOSED
    }

    /**
     * Published figures; absent ones are empty. Throughput is output tokens per second over the whole run. A row's time per
     * output token is published one of two ways, which differ where lengths vary: {@code tpotMsMean}, each request's (finish -
     * first token) / (out - 1) averaged over requests (trtllm-bench, MLPerf), or {@code itlMsMean}, every gap between two tokens
     * pooled over all requests (a serving benchmark's "Mean ITL": long requests weigh more).
     */
    public record Measured(double throughputTokensPerS, OptionalDouble ttftMsMean, OptionalDouble tpotMsMean, OptionalDouble itlMsMean) {
        /** Figures with the time per output token as a per-request mean, or none. */
        public Measured(double throughputTokensPerS, OptionalDouble ttftMsMean, OptionalDouble tpotMsMean) {
            this(throughputTokensPerS, ttftMsMean, tpotMsMean, OptionalDouble.empty());
        }

        public Measured {
            if (tpotMsMean.isPresent() && itlMsMean.isPresent()) {
                throw new IllegalArgumentException("tpot_ms_mean (each request's mean, averaged) or itl_ms_mean (every gap pooled), not both");
            }
        }

        /** The time per output token the row publishes, whichever way ({@link #pooledGaps} says which). */
        public OptionalDouble perTokenMs() {
            return itlMsMean.isPresent() ? itlMsMean : tpotMsMean;
        }

        /** Whether the published time per output token pools every gap ({@code itl_ms_mean}) rather than averaging requests. */
        public boolean pooledGaps() {
            return itlMsMean.isPresent();
        }
    }

    /** Provenance: the page (with its commit where it is a repository file), the table as it is titled, and its date or version. */
    public record Source(String url, String table, String date) {
    }
}
