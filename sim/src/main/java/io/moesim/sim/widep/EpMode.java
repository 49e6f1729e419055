package io.moesim.sim.widep;

import io.moesim.sim.SimulationException;
import java.util.Locale;

/**
 * DeepEP's two kinds of dispatch/combine kernels (github.com/deepseek-ai/DeepEP, docs/legacy.md):
 * <ul>
 *   <li>{@code normal}: high throughput, for prefill. A token bound for another node crosses the
 *       InfiniBand once per destination node and is forwarded to its ranks over NVLink there
 *       ("asymmetric-domain bandwidth forwarding").</li>
 *   <li>{@code ll} (low latency), for decode: every routed copy is written straight to its rank
 *       (pure RDMA between nodes, no forwarding, so no deduplication per node).</li>
 * </ul>
 */
public enum EpMode {
    NORMAL, LOW_LATENCY;

    public String text() {
        return this == NORMAL ? "normal" : "ll";
    }

    public static EpMode parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "normal", "ht", "high-throughput" -> NORMAL;
            case "ll", "low-latency" -> LOW_LATENCY;
            default -> throw new SimulationException(0, "--ep-mode", "must be normal or ll, got '" + s + "'");
        };
    }
}
