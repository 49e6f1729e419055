package io.moesim.sim.kernel.engine;

import io.moesim.sim.kernel.dram.AccessPattern;
import io.moesim.sim.kernel.dram.Transfer;

/**
 * Memory-streaming kernels on a GPU/xPU (elementwise, norms, softmax, copies, gathers): every engine
 * busy, FLOPs on the vector units, bytes at the achieved bandwidth of their access pattern.
 * Time = launch + DRAM latency + max(vector time, DRAM time). Gathers pass their random part
 * separately: its bytes go at the random pattern's (much lower) bandwidth.
 */
public final class StreamModel {
    private StreamModel() {
    }

    public static WorkBreakdown run(EngineContext ctx, long flops, long sequentialBytes, AccessPattern pattern, long patternBytes) {
        double vecPeak = ctx.engines() * ctx.vectorFlops() * ctx.clockMHz() * 1e6;
        double compute = flops / vecPeak;
        Transfer seq = ctx.transfer(AccessPattern.SEQUENTIAL, sequentialBytes, ctx.engines());
        Transfer other = pattern == null ? Transfer.NONE : ctx.transfer(pattern, patternBytes, ctx.engines());
        double mem = seq.seconds() + other.seconds();
        double latency = ctx.dramLatencySeconds();
        double total = ctx.launchSeconds() + latency + Math.max(compute, mem);
        long bytes = sequentialBytes + patternBytes;
        double hit = bytes == 0 ? 0 : (seq.rowHitRate() * sequentialBytes + other.rowHitRate() * patternBytes) / bytes;
        double refresh = Math.max(seq.refreshShare(), other.refreshShare());
        return new WorkBreakdown(total, compute, mem, ctx.launchSeconds(), latency, bytes, 1, ctx.engines(), "", hit, refresh,
                ctx.clockMHz(), false);
    }
}
