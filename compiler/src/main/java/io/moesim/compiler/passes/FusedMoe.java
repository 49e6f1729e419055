package io.moesim.compiler.passes;

import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.Send;

/**
 * What {@code --overlap fused} (FlashMoE, Aimuyo, Oh and Singh, "FlashDMoE: Fast Distributed MoE in a
 * Single Kernel", arXiv 2506.04667) means to the plan and to the simulator that reads it.
 *
 * <p>Lowering ({@link LowerPass}) emits each MoE block of each device as tiles by expert group, as with
 * {@code tile}, but with one-sided transfers in place of all-to-all collectives: tile i's tokens for the
 * experts of peer p are a {@link Send} from this device to p that depends only on this device's dispatch
 * of tile i (it waits for no other member), tile i's expert GEMM on p depends on the sends into p of tile
 * i from every peer and on p's own dispatch of tile i, and the results go back the same way, one send
 * per peer and tile, before tile i's combine. The overlap of communication with computation is what
 * these tile-level dependencies allow; no factor sets it.
 *
 * <p>The simulator ({@code PreparedPlan}) reads the block as one persistent kernel: the dispatch, expert
 * and combine tasks of a block on a device pay the per-call cost (launch, framework dispatch) once, on
 * the block's first task, and the sends (and a tile's tensor-parallel all-reduce, where the experts are
 * sliced) are device-initiated (no per-message host overhead; the link's latency and bandwidth stay).
 */
public final class FusedMoe {
    private FusedMoe() {
    }

    /** The plan option value that marks a fused lowering. */
    public static final String OPTION = "fused";

    /** First link stream of the puts: one in-order queue per destination, so puts to different peers do not wait on each other. */
    public static final int PUT_STREAM_BASE = 16;

    /** The link stream of a put to device {@code to}. */
    public static int putStream(int to) {
        return PUT_STREAM_BASE + to;
    }

    /**
     * A rank's experts (ascending) dealt into {@code tiles} tiles in turn: tile i holds the i-th, (i+n)-th, ...
     * expert. A fused kernel's tiles so mix experts whose tokens come from different senders (a sender's copies
     * go to a block of consecutive experts), and each tile starts as soon as its share from every sender is in,
     * rather than tile i waiting on the few senders whose block it covers.
     */
    public static int[][] interleave(int[] own, int tiles) {
        int n = Math.max(1, Math.min(tiles, own.length));
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) {
            out[i] = new int[(own.length - i + n - 1) / n];
            for (int k = 0; k < out[i].length; k++) {
                out[i][k] = own[i + k * n];
            }
        }
        return out;
    }

    /** Whether the plan was lowered with {@code --overlap fused}. */
    public static boolean fused(HardwarePlan plan) {
        return OPTION.equals(String.valueOf(plan.options().get("overlap")));
    }

    /**
     * A compute task that runs inside the persistent MoE kernel of a fused plan: a tile's dispatch, expert GEMM or
     * combine. A shared expert (on the side stream) stays a kernel of its own.
     */
    public static boolean inKernel(Task t) {
        return Sections.MOE.equals(t.layerType()) && t.stream() != Schedule.SIDE_STREAM
                && (t.op() instanceof Dispatch || t.op() instanceof ExpertFfn || t.op() instanceof Combine);
    }

    /** A device-initiated put of a fused MoE block. */
    public static boolean devicePut(Task t) {
        return Sections.MOE.equals(t.layerType()) && t.op() instanceof Send;
    }

    /**
     * A transfer issued from inside the fused kernel: a put, or a tile's tensor-parallel all-reduce (which the
     * kernel runs itself, without a host launch per tile).
     */
    public static boolean deviceInitiated(Task t) {
        return Sections.MOE.equals(t.layerType()) && (t.op() instanceof Send || t.op() instanceof AllReduce);
    }
}
