package io.moesim.sim;

import io.moesim.compiler.CompileOptions;

/**
 * A prefill pool and a decode pool: {@code prefillInstances} copies of {@code prefillSystem} and
 * {@code decodeInstances} copies of {@code decodeSystem} (the pool ratio xP:yD), each instance with its
 * own parallel layout (compile options) and batch limit.
 *
 * @param kvLink    link id the KV cache moves on (links/*.yaml), or null for the default: the prefill
 *                  system's intra-node link when both pools fit in one node of it, else its inter-node
 *                  link (InfiniBand NDR when it has none)
 * @param layerwise overlap the KV transfer with the prefill layer by layer
 */
public record Disaggregation(String prefillSystem, String decodeSystem, int prefillInstances, int decodeInstances, int prefillMaxBatch,
        int decodeMaxBatch, String kvLink, boolean layerwise, CompileOptions prefillOptions, CompileOptions decodeOptions) {
    public Disaggregation {
        if (prefillInstances < 1 || decodeInstances < 1 || prefillMaxBatch < 1 || decodeMaxBatch < 1) {
            throw new IllegalArgumentException("pool instances and max batches must be >= 1");
        }
    }
}
