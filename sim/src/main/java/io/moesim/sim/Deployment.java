package io.moesim.sim;

import io.moesim.sim.serving.DisaggregatedLoop;
import io.moesim.sim.serving.PrefixCache;
import io.moesim.sim.serving.Speculation;

/**
 * How a serving run is deployed beyond one pool of identical devices: prefix caching, disaggregated
 * prefill and decode pools, speculative decoding, and the latency targets goodput is counted against.
 *
 * @param prefixHit     share of each prompt found in the prefix cache ({@link PrefixCache}); 0 for none
 * @param disaggregation the two pools, or null for one aggregated pool (the request's system)
 * @param speculation   speculative decoding in the decode pool, or null for none (needs a disaggregated run)
 * @param sla           TTFT / TPOT limits (zeros for none)
 */
public record Deployment(double prefixHit, Disaggregation disaggregation, Speculation speculation, DisaggregatedLoop.Sla sla) {
    public static final Deployment NONE = new Deployment(0, null, null, DisaggregatedLoop.Sla.NONE);

    public Deployment {
        PrefixCache.check(prefixHit);
        sla = sla == null ? DisaggregatedLoop.Sla.NONE : sla;
        if (sla.ttftMs() < 0 || sla.tpotMs() < 0) {
            throw new IllegalArgumentException("SLA limits must be >= 0 (0 for none)");
        }
    }
}
