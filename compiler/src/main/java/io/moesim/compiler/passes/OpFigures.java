package io.moesim.compiler.passes;

import io.moesim.ir.op.Traffic;
import java.util.Map;

/**
 * Op/B analysis of one node of the per-device graph.
 *
 * @param times              executions per iteration (the product of enclosing repeat counts)
 * @param secondsByProcessor predicted time on each processor of the device, in device order
 * @param fastest            the processor with the lowest predicted time
 * @param bound              "compute" or "memory" on the fastest processor (roofline); "none" for free ops
 */
public record OpFigures(String path, String mnemonic, String section, long times, long flops, Traffic traffic, double opPerByte,
        Map<String, Double> secondsByProcessor, String fastest, String bound) {

    public OpFigures {
        secondsByProcessor = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(secondsByProcessor));
    }

    public long bytes() {
        return traffic.total();
    }
}
