package io.moesim.compiler.passes;

import io.moesim.compiler.CompileOptions.Overlap;

/**
 * The fact overlap scheduling leaves, which lowering turns into streams and dependencies:
 * <ul>
 *   <li>{@code NONE}: every task of a device depends on the one before it, so communication never
 *       overlaps computation;</li>
 *   <li>{@code LAYER}: transfers run on the link's own stream and depend only on their data; a
 *       shared expert runs on a second compute stream, so it overlaps the dispatch all-to-all;</li>
 *   <li>{@code TILE}: as LAYER, and each MoE block's dispatch, all-to-alls, expert GEMMs and
 *       combine are cut into {@code tiles} tiles by expert group, tile i's GEMM depending only on
 *       tile i's transfer, so it runs while tile i+1 is in flight (Comet).</li>
 *   <li>{@code FUSED} (FlashMoE, arXiv 2506.04667): as TILE, but the block is one persistent kernel
 *       ({@link FusedMoe}): each device puts each tile's tokens to each peer as soon as that tile is
 *       dispatched (one-sided point-to-point transfers, no collective that waits for every member),
 *       a tile's expert GEMM starts when its tokens from every peer have arrived, results are put
 *       back per peer, and a tile's combine starts when its results are home; the simulator charges
 *       one launch per block and device and no per-call overhead on the puts.</li>
 * </ul>
 */
public record Schedule(Overlap overlap, int tiles) {
    /** Stream of transfers on the link processor. */
    public static final int COMM_STREAM = 0;
    /** Compute stream of work that may overlap the main stream (shared experts). */
    public static final int SIDE_STREAM = 1;
}
