package io.moesim.sim.offload;

import io.moesim.hw.MemoryTier;
import java.util.Locale;

/**
 * Expert offloading: each device has {@code hbmBytes} of HBM for the weights, the KV cache and an
 * expert cache; the routed experts that do not fit live in {@code tier} and are fetched into HBM
 * when a token activates them, as {@code policy} says.
 */
public record OffloadSpec(long hbmBytes, MemoryTier tier, Policy policy) {

    public OffloadSpec {
        if (hbmBytes <= 0 || tier == null || policy == null) {
            throw new IllegalArgumentException("offload: an HBM budget > 0, a tier and a policy are required");
        }
    }

    /** How the expert cache in HBM is managed. */
    public enum Policy {
        /** A static set of experts (the most popular that fit) stays in HBM; every other activated expert is fetched when its layer runs. */
        ONDEMAND,
        /** The HBM expert slots are a cache: a miss is fetched, the least recently used expert not needed by this layer is evicted. */
        LRU,
        /** As LRU, evicting the least frequently used (ties: least recently used). */
        LFU,
        /**
         * The static set of ONDEMAND, and while layer l−1 computes, the most popular non-resident experts of layer l
         * are fetched, as many as the tier streams in that time; activated experts not prefetched are fetched on demand.
         */
        PREFETCH,
        /**
         * Pre-gated routing (Read-ME): the router runs ahead of its layer, so while layer l−1 computes, layer l's
         * activated non-resident experts are known and fetched, as many as the tier streams in that time; the rest on demand.
         */
        PREGATED,
        /**
         * Fiddler / MoE-Lens: the static set of ONDEMAND; an activated non-resident expert either is fetched or runs on
         * the host CPU beside the tier's memory (its tokens' activations cross the link both ways, its weights stay),
         * chosen per expert and layer where that shortens the layer; the CPU works while the GPU computes and fetches.
         */
        CPU;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Policy parse(String s) {
            String t = s.trim().toLowerCase(Locale.ROOT).replace("-", "");
            for (Policy p : values()) {
                if (p.name().toLowerCase(Locale.ROOT).equals(t)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("unknown offload policy '" + s + "' (expected ondemand, lru, lfu, prefetch, pregated or cpu)");
        }
    }
}
