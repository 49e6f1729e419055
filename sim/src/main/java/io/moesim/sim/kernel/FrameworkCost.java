package io.moesim.sim.kernel;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.GemmTileRule;
import io.moesim.hw.MoeTileRule;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.BatchMatMul;
import io.moesim.ir.op.Concat;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Quantize;
import io.moesim.ir.op.Repeat;
import io.moesim.ir.op.Router;
import io.moesim.ir.op.Split;
import io.moesim.sim.kernel.engine.AttentionModel;
import io.moesim.sim.kernel.engine.EngineContext;
import java.util.List;

/**
 * An op's time as a serving framework runs it ({@link FrameworkProfile}): the kernel model's estimate
 * with the profile's per-call overhead, sustained compute and bandwidth shares for the op's class. The
 * activation quantise an fp8 GEMM needs is an op of its own ({@link Quantize}, which lowering puts before
 * the GEMM where the profile says the framework runs one): two streaming kernels (an amax pass, a cast) under the
 * {@code quantize} class's figures. A fused expert FFN ({@link ExpertFfn}, one grouped kernel pair per block) keeps
 * its quantise kernels inside its own time (its input and its gated activation, between its two GEMMs), as
 * the block has no graph value between them. PIM processors and the {@code ideal} profile get the kernel model unchanged.
 */
public final class FrameworkCost {
    private FrameworkCost() {
    }

    /** The profile's op class of an op ({@code null} for views, which cost nothing). */
    public static String opClass(Op op) {
        if (op instanceof Split || op instanceof Concat || op instanceof Repeat) {
            return null;
        }
        if (op instanceof MatMul m) {
            return m.wdtype().isFloat8() ? "gemm_fp8" : "gemm";
        }
        if (op instanceof BatchMatMul || op instanceof Router) {
            return "gemm";
        }
        if (op instanceof GroupedMatMul g) {
            return g.wdtype().isFloat8() ? "moe_fp8" : "moe";
        }
        if (op instanceof ExpertFfn f) {
            return f.wdtype().isFloat8() ? "moe_fp8" : "moe";
        }
        if (op instanceof Quantize) {
            return "quantize";
        }
        if (op instanceof Attention a) {
            if (!runsDecodeKernel(a)) {
                return "attention_prefill";
            }
            return runsFp8CacheKernel(a.kvDtype()) ? FrameworkProfile.ATTENTION_DECODE_FP8_KV : "attention_decode";
        }
        if (op instanceof MlaAttention a) {
            return a.isDecode() ? "attention_decode" : "attention_prefill";
        }
        return "other";
    }

    /**
     * Whether a decode step on a cache of {@code kvDtype} runs the frameworks' fp8-cache kernel ({@link
     * FrameworkProfile#ATTENTION_DECODE_FP8_KV}): an E4M3 cache, the one TensorRT-LLM's XQA GMMA kernel takes.
     */
    public static boolean runsFp8CacheKernel(DType kvDtype) {
        return kvDtype == DType.FP8_E4M3;
    }

    /**
     * Whether an attention op runs a framework's decode kernel: decode-shaped ({@link Attention#isDecode()}) and not a whole
     * prompt ({@link Attention#isWholePrompt()}), which serving stacks run on their context kernel at any length, one token
     * too (TensorRT-LLM's context table times its FMHA at a prompt of 1).
     */
    public static boolean runsDecodeKernel(Attention a) {
        return runsDecodeKernel(a.causal(), a.qLen(), a.kvLen());
    }

    /** ... for a {@code causal} query of {@code qLen} tokens per sequence against {@code kvLen} keys. */
    public static boolean runsDecodeKernel(boolean causal, long qLen, long kvLen) {
        return Attention.isDecode(qLen, kvLen) && !Attention.isWholePrompt(causal, qLen, kvLen);
    }

    /** Seconds of the op under the profile on the processor. */
    public static double seconds(FrameworkProfile profile, KernelSimulator sim, Op op, List<TensorType> in, DeviceSpec device, ProcessorSpec p) {
        String cls = opClass(op);
        boolean kernelAlone = profile.isIdeal() || p.kind().isPim() || cls == null;
        if (!kernelAlone && op instanceof ExpertFfn x && isDenseFp8(x)) {
            // from its linear layers' own estimates: the fused block's is not needed
            return denseFp8FfnSeconds(profile, sim, x, device, p);
        }
        OpEstimate e = sim.estimate(op, in, device, p);
        if (kernelAlone || !Double.isFinite(e.seconds())) {
            return e.seconds();
        }
        if (op instanceof Quantize) {
            return gemmQuantizeSeconds(profile, sim, in.get(0).rows(), in.get(0).elements(), device, p);
        }
        if (op instanceof ExpertFfn x && profile.moeTiles().isPresent() && !x.wdtype().isFloat8()) {
            if (x.dense()) {
                // a dense FFN runs the framework's linear layers (cuBLAS), not its fused MoE kernel, whose figures are the tile's:
                // its body on the gemm figures; its call, as in every profile, the moe class's, which stands in for the
                // layer's small kernels the serving graph does not time (docs/validation.md, known gaps: the dense-FFN coupling)
                FrameworkProfile.ClassFigures g = profile.figures("gemm");
                FrameworkProfile.ClassFigures m = profile.figures(cls);
                return apply(new FrameworkProfile.ClassFigures(m.callOverheadUs(), g.matrixEfficiency(), g.bandwidthFraction()), e);
            }
            // a fused MoE block on the framework's own tile (a tuned config's where the framework ships one for the block on this
            // GPU): its expert rows padded to the tile (the call's tokens: its rows over top_k), one CTA's walk of K from DRAM the
            // floor of its DRAM part (a serving step never finds its weights in L2)
            FrameworkProfile.MoeTiles tiles = profile.moeTiles().get();
            long[] loads = x.tokens().toLongArray();
            long tokens = x.servedTokens();
            MoeTileRule.Tile tile = tiles.rule().tile(profile.id(), device, tokens, loads.length, x.ffn());
            double c = paddedComputeSeconds(tile, loads, x.hidden(), x.ffn(), x.activation(), x.wdtype(), p);
            FrameworkProfile.ClassFigures f = profile.servingFigures(cls, device);
            double t = withCompute(f, e, items(op, in, p), p.engines(), c, tiles.walkSeconds(MoeTileRule.kSteps(tile, x.hidden(), x.ffn())));
            return withUnalignedDown(f, t, e.breakdown().launchUs() * 1e-6, tiles, unalignedDownShare(tiles.rule(), x.hidden(), x.ffn(), x.activation()));
        }
        if (op instanceof GroupedMatMul gm && profile.moeTiles().isPresent() && !gm.wdtype().isFloat8()) {
            // one grouped GEMM on the framework's fused MoE tile: each group's rows padded to it (the call's M: all its rows, as
            // no top_k is known), one CTA's walk of K the floor of its DRAM part, as the block's GEMMs above
            FrameworkProfile.MoeTiles tiles = profile.moeTiles().get();
            long[] loads = gm.tokens().toLongArray();
            long rows = gm.totalTokens();
            double c = paddedRowsSeconds(tiles.rule().paddedRows(loads, rows), gm.k() * gm.n(), gm.wdtype(), p);
            FrameworkProfile.ClassFigures f = profile.servingFigures(cls, device);
            double t = withCompute(f, e, items(op, in, p), p.engines(), c, tiles.walkSeconds(tiles.rule().kSteps(rows, loads.length, gm.k())));
            // a down projection's K is the experts' width: unaligned, the whole GEMM is the slowed part
            return withUnalignedDown(f, t, e.breakdown().launchUs() * 1e-6, tiles, tiles.rule().unalignedWidth(gm.k()) ? 1 : 0);
        }
        GemmDims g = profile.fp8GemmTiles().isPresent() ? GemmDims.of(op, in, device, p) : null;
        AttentionKernel att = AttentionKernel.of(op, in, device, p);
        // as a serving engine runs it (an fp8 MoE block may run another library's tactic than the database's harness timed)
        FrameworkProfile.ClassFigures f = profile.servingFigures(cls, device);
        double t = g != null && cls.equals("gemm_fp8") ? g.seconds(f, profile.fp8GemmTiles().get(), e)
                : att != null ? att.seconds(f, e, items(op, in), p.engines(), kvGroup(op), kvBytes(op, in))
                : apply(f, e, items(op, in, p), p.engines(), kvGroup(op), kvBytes(op, in));
        long quantRows = quantizedActivationElements(profile, op, in);
        if (quantRows > 0) {
            // the block's own quantise runs in its kernel library: no rows given, so no CTA-per-token waves
            t += quantizeSeconds(profile, sim, 0, quantRows, device, p);
        }
        return t;
    }

    /** Whether {@link #denseFp8FfnSeconds} prices the block: a dense FFN ({@link ExpertFfn#dense}), plain fp8 weights, some tokens. */
    static boolean isDenseFp8(ExpertFfn x) {
        return x.dense() && x.wdtype().isFloat8() && x.totalTokens() > 0 && !x.compressed() && !x.mixed();
    }

    /**
     * An fp8 dense FFN (one expert: a dense model's MLP, or a shared expert) as the framework runs it: its linear layers, not
     * its fused MoE kernel, whose {@code moe_fp8} figures describe grouped GEMMs over many experts. Each projection is an fp8
     * {@link MatMul} priced as the graph prices one (the {@code gemm_fp8} figures and the profile's GEMM tile rule), after its
     * activation quantise where lowering puts one (the graph's {@link Quantize} op, {@link Quantize#activation}); between
     * them the gated activation, a streaming kernel under the {@code other} class that reads the up projection's columns and
     * writes the FFN's width in bf16 (TensorRT-LLM's GatedMLP, vLLM's and SGLang's SiluAndMul: a kernel of its own).
     * Only for a block with tokens (an idle tile is no kernel, as in the kernel model) in plain fp8 (a {@link MatMul} has no
     * compressed or mixed weight format). A routed block left with one expert (EP as wide as the experts, a tile of one expert
     * under {@code --overlap tile|fused}, one side of expert co-processing, a wide-EP rank of one slot) is not a dense FFN
     * ({@link ExpertFfn#routed}): it stays on the fused MoE kernel's figures.
     */
    static double denseFp8FfnSeconds(FrameworkProfile profile, KernelSimulator sim, ExpertFfn x, DeviceSpec device, ProcessorSpec p) {
        long tokens = x.totalTokens();
        long up = x.activation().upColumns(x.ffn());
        double t = linearSeconds(profile, sim, tokens, x.hidden(), up, x.wdtype(), device, p);
        // the activation: tokens x (up + ffn) bf16 moved (a copy of n bytes moves 2n)
        t += apply(profile.figures("other"), sim.memcpy(tokens * (up + x.ffn()), device, p));
        return t + linearSeconds(profile, sim, tokens, x.ffn(), x.hidden(), x.wdtype(), device, p);
    }

    /**
     * One fp8 linear layer of {@code tokens} rows, {@code k} by {@code n}: the activation quantise lowering puts before it where
     * it puts one ({@link Quantize#activation}: a per-tensor or a per-token quantising stack), then its GEMM.
     */
    private static double linearSeconds(FrameworkProfile profile, KernelSimulator sim, long tokens, long k, long n, DType w, DeviceSpec device, ProcessorSpec p) {
        MatMul mm = new MatMul(k, n, w);
        // the input as a serving graph holds it, bf16 (GraphRequest.activationDtype): the GEMM runs fp8 and writes bf16
        List<TensorType> x = List.of(TensorType.of(DType.BF16, tokens, k));
        double q = Quantize.activation(mm, x, profile.gemmQuantizesActivation(), p.kind().isPim())
                .map(op -> seconds(profile, sim, op, x, device, p)).orElse(0.0);
        return q + seconds(profile, sim, mm, x, device, p);
    }

    /**
     * Seconds of a fused MoE block's grouped expert GEMMs at the device's dense peak in the weights' type, each expert's rows
     * padded to the tile's BLOCK_SIZE_M ({@link MoeTileRule#tile}: a tuned config's where one runs): gate and up (or up
     * alone) over {@code hidden}, then down over {@code ffn}.
     *
     * @param loads assignments per expert on this GPU
     */
    public static double paddedComputeSeconds(MoeTileRule.Tile tile, long[] loads, long hidden, long ffn, FfnActivation act, DType dt,
            ProcessorSpec p) {
        return paddedRowsSeconds(MoeTileRule.paddedToBlock(loads, tile.blockM()), hidden * act.upColumns(ffn) + ffn * hidden, dt, p);
    }

    /**
     * The share of a fused MoE block's matrix work that its down GEMM is where the rule's kernel runs the block's width
     * {@code ffn} unaligned ({@link MoeTileRule#unalignedWidth}), else 0: the down GEMM's MACs (ffn x hidden a row) over
     * the block's (gate and up, or up alone, then down).
     */
    public static double unalignedDownShare(MoeTileRule rule, long hidden, long ffn, FfnActivation act) {
        if (!rule.unalignedWidth(ffn)) {
            return 0;
        }
        double down = (double) ffn * hidden;
        return down / (hidden * act.upColumns(ffn) + down);
    }

    /**
     * A block's time under the class's figures ({@code seconds}) with its down GEMM's part of the kernel time stretched for an
     * unaligned width ({@link FrameworkProfile.MoeTiles#unalignedFactor}); the call overhead (else the model's launch,
     * {@code launchS}) is not the kernel's and stays as it is.
     */
    public static double withUnalignedDown(FrameworkProfile.ClassFigures f, double seconds, double launchS, FrameworkProfile.MoeTiles tiles, double downShare) {
        if (downShare == 0 || tiles.unalignedDownSlowdown() == 1) {
            return seconds;
        }
        double call = f.callSeconds(launchS);
        return call + (seconds - call) * tiles.unalignedFactor(downShare);
    }

    /** Seconds of {@code macsPerRow} MACs on each of {@code paddedRows} rows, at the device's dense peak. */
    private static double paddedRowsSeconds(long paddedRows, long macsPerRow, DType dt, ProcessorSpec p) {
        double macs = (double) paddedRows * macsPerRow;
        double rate = engineMacsPerSecond(dt, p) * p.engines();
        return rate > 0 ? macs / rate : 0;
    }

    /**
     * The estimate under one class's figures with its compute part replaced by {@code computeS} (the rest of the model's time
     * kept) and its DRAM part at least {@code memoryFloorS}, with the op's work items over {@code lanes} engines.
     */
    public static double withCompute(FrameworkProfile.ClassFigures f, OpEstimate e, double items, int lanes, double computeS, double memoryFloorS) {
        OpEstimate.Breakdown b = e.breakdown();
        return withCompute(f, e.seconds(), b.launchUs() * 1e-6, b.computeUs() * 1e-6, b.memoryUs() * 1e-6, b.dramBytes(), items, lanes, computeS, memoryFloorS);
    }

    /** ... from the model's parts (s), with the op's work items over the engines. */
    public static double withCompute(FrameworkProfile.ClassFigures f, double total, double launch, double compute, double memory, double bytes, double items,
            int engines, double computeS, double memoryFloorS) {
        double t = total - Math.max(compute, memory) + Math.max(computeS, memory);
        return f.seconds(t, launch, computeS, memory, bytes, items, engines, 1, 0, memoryFloorS);
    }

    /** The estimate under one class's figures (no work items). */
    public static double apply(FrameworkProfile.ClassFigures f, OpEstimate e) {
        return apply(f, e, 0, 1);
    }

    /** The estimate under one class's figures, with the op's work items over the engines. */
    public static double apply(FrameworkProfile.ClassFigures f, OpEstimate e, double items, int engines) {
        return apply(f, e, items, engines, 1);
    }

    /** ... and the query heads per KV head of an attention op. */
    public static double apply(FrameworkProfile.ClassFigures f, OpEstimate e, double items, int engines, double kvGroup) {
        return apply(f, e, items, engines, kvGroup, 0);
    }

    /** ... and its KV-cache bytes, which a fallback kernel reads once per query head ({@link FrameworkProfile.ClassFigures#fallsBack}). */
    public static double apply(FrameworkProfile.ClassFigures f, OpEstimate e, double items, int engines, double kvGroup, double kvBytes) {
        OpEstimate.Breakdown b = e.breakdown();
        return f.seconds(e.seconds(), b.launchUs() * 1e-6, b.computeUs() * 1e-6, b.memoryUs() * 1e-6, b.dramBytes(), items, engines, kvGroup, kvBytes);
    }

    /** The KV-cache bytes an attention op reads (its K and V of every KV head; 0 for anything else). */
    public static double kvBytes(Op op, List<TensorType> in) {
        return op instanceof Attention a ? a.traffic(in).kvReadBytes() : 0;
    }

    /** Query heads per KV head of an attention op (1 for anything else). */
    public static double kvGroup(Op op) {
        return op instanceof Attention a ? (double) a.heads() / a.kvHeads() : 1;
    }

    /**
     * ... with the op's inputs: an fp8 matmul's items are the rows of its activation (a time per token where a class's
     * figures have one: vLLM's fp8 linear layer, see docs/validation.md), every other op's as {@link #items(Op)}.
     */
    public static double items(Op op, List<TensorType> in) {
        if (op instanceof MatMul mm && mm.wdtype().isFloat8() && !in.isEmpty()) {
            TensorType x = in.get(0);
            return (double) x.rows() * (mm.batch() > 1 && x.rank() == 2 ? mm.batch() : 1);
        }
        return items(op);
    }

    /**
     * Work items of an op for {@link FrameworkProfile.ClassFigures#perItemNs}: attention's CTAs, one per
     * (sequence, query head, tile of {@link AttentionModel#BLOCK_Q} query rows), or where the kernel packs a short prompt's query
     * group into its tiles, one per (sequence, KV head, tile of the group's rows) ({@link AttentionModel#prefillCtas});
     * decode: one per (sequence, KV head), the query group in one CTA as a GQA decode kernel runs it (a profile's
     * {@code max_kv_group} multiplies them by its passes); a fused MoE block's active experts (one after another on
     * every engine, {@link #items(Op, List, ProcessorSpec)}); none elsewhere.
     */
    public static double items(Op op) {
        if (op instanceof ExpertFfn x) {
            return x.activeExperts();
        }
        if (op instanceof Attention a) {
            if (runsDecodeKernel(a)) {
                return (double) a.batch() * a.kvHeads();
            }
            return (double) AttentionModel.prefillCtas((long) a.batch() * a.kvHeads(), a.qLen(), a.heads() / a.kvHeads());
        }
        if (op instanceof MlaAttention a) {
            return (double) a.batch() * a.heads();
        }
        return 0;
    }

    /**
     * Work items of an op on {@code p}, as {@link FrameworkProfile.ClassFigures#seconds} spreads them over its engines: {@link
     * #items(Op, List)}, except a fused MoE block's. There every engine's CTA walks the block's whole list of active experts (a
     * persistent grouped GEMM sets up each expert's problem on every SM in turn), so its items are its active experts times the
     * engines: a time per item adds up to one per active expert, one after another, and the engines are what bound its DRAM part
     * where its class has a rate per engine ({@link FrameworkProfile.ClassFigures#engineGBps}), not the HBM.
     */
    public static double items(Op op, List<TensorType> in, ProcessorSpec p) {
        return op instanceof ExpertFfn x ? (double) x.activeExperts() * p.engines() : items(op, in);
    }

    /**
     * A prefill attention's CTAs two ways, for figures that say whether the framework's context kernel packs a short prompt's
     * query group into its tiles ({@link FrameworkProfile.ClassFigures#packs}): {@code packed} as {@link #items(Op)} counts
     * them (packed where FlashAttention-3 packs), {@code perHead} one per (sequence, query head, tile of query rows), each
     * CTA the same padded tile of matrix work ({@link AttentionModel#perHeadCtas}).
     */
    public record PrefillTiles(double packed, double perHead) {
        /** The tiles of a prefill attention op whose two counts differ; null for anything else. */
        public static PrefillTiles of(Op op) {
            if (!(op instanceof Attention a) || runsDecodeKernel(a)) {
                return null;
            }
            long units = (long) a.batch() * a.kvHeads();
            long group = a.heads() / a.kvHeads();
            double packed = AttentionModel.prefillCtas(units, a.qLen(), group);
            double perHead = AttentionModel.perHeadCtas(units, a.qLen(), group);
            return packed == perHead ? null : new PrefillTiles(packed, perHead);
        }

        /**
         * The op's time under the figures from the kernel model's parts (s): on the packed CTAs, or where the figures' kernel
         * does not pack, on the per-head CTAs, the compute part grown by their waves over the packed CTAs' (each CTA a whole
         * padded tile).
         */
        public double seconds(FrameworkProfile.ClassFigures f, double total, double launch, double compute, double memory, double bytes, int engines,
                double kvGroup, double kvBytes) {
            if (f.packs()) {
                return f.seconds(total, launch, compute, memory, bytes, packed, engines, kvGroup, kvBytes);
            }
            // each CTA the same whole tile of matrix work: the compute part grows with the waves of CTAs over the engines
            double e = Math.max(1, engines);
            double c = compute * Math.ceil(perHead / e) / Math.ceil(packed / e);
            double t = total + Math.max(c, memory) - Math.max(compute, memory);
            return f.seconds(t, launch, c, memory, bytes, perHead, engines, kvGroup, kvBytes);
        }
    }

    /**
     * An attention op's kernel as a profile times it, one home for the figures' attention mechanisms: the class figures
     * for its head dim ({@link FrameworkProfile.ClassFigures#forHeadDim}: vLLM's wide heads run its Triton kernel), a
     * prefill's tiles packed or one head wide ({@link PrefillTiles}, null where the two agree), a grouped decode's CTAs split over
     * its keys as TensorRT-LLM's XQA splits them ({@link FrameworkProfile.ClassFigures#splitsKvAsXqa}), a decode's wide-head
     * program floor ({@link FrameworkProfile.ClassFigures#wideHeadSeconds}), and a decode that the figures send to their
     * fallback kernel ({@link FrameworkProfile.ClassFigures#fallsBack}: TensorRT-LLM's masked multi-head attention), whose
     * compute part is the op's FLOPs on the vector units ({@code vectorSeconds}) in place of the kernel model's matrix tiles
     * (and, where its figures split it, its CTAs over each pair's keys as MMHA's multi-block launcher does, {@link MmhaMultiBlock}),
     * and a decode's walk of its batch by FlashAttention-3's varlen tile scheduler ({@link FrameworkProfile.ClassFigures#varlenScanSeconds}):
     * MMHA takes each query head's dot products on the CUDA cores, one thread group per key, and uses no MMA
     * (decoderMaskedMultiheadAttentionTemplate.h, cpp/tensorrt_llm/kernels/decoderMaskedMultiheadAttention), so it pads
     * no query rows to a tile.
     *
     * @param kvLen         the cached keys per sequence (a decode's split over CTAs, {@link XqaMultiBlock}, where the figures split as XQA)
     * @param decode        whether the op runs the framework's decode kernel ({@link #runsDecodeKernel})
     * @param vectorSeconds the op's FLOPs at the processor's vector rate (s; 0 where unknown)
     */
    public record AttentionKernel(long batch, int kvHeads, int headDim, long kvLen, boolean decode, PrefillTiles tiles, double vectorSeconds) {
        /** The kernel of an attention op on a processor; null for anything else. */
        public static AttentionKernel of(Op op, List<TensorType> in, DeviceSpec device, ProcessorSpec p) {
            if (!(op instanceof Attention a)) {
                return null;
            }
            double vector = new EngineContext(device, p, null).vectorSeconds(a.flops(in));
            return new AttentionKernel(a.batch(), a.kvHeads(), a.headDim(), a.kvLen(), runsDecodeKernel(a), PrefillTiles.of(a), vector);
        }

        /** The op's time (s) under its class's figures, from the kernel model's parts and the op's work items. */
        public double seconds(FrameworkProfile.ClassFigures classFigures, double total, double launch, double compute, double memory, double bytes,
                double items, int engines, double kvGroup, double kvBytes) {
            FrameworkProfile.ClassFigures f = classFigures.forHeadDim(headDim);
            if (decode && f.fallsBack(kvGroup)) {
                // the fallback kernel's dot products on the vector units, no matrix tiles: the model's compute part replaced (still
                // over the class's compute share, as every compute part is; a group of 1 does one FLOP per KV byte, and a large
                // group's re-reads of its KV per query head, bounded by the fallback rate, outlast its FLOPs)
                double t = total + Math.max(vectorSeconds, memory) - Math.max(compute, memory);
                // in multi-block mode, each (sequence, query head)'s keys over the CTAs MMHA's launcher splits them into
                int tiles = f.splitsFallback() ? MmhaMultiBlock.tiles(batch * kvHeads * Math.round(kvGroup), headDim, kvLen, engines) : 1;
                return f.wideHeadSeconds(f.seconds(t, launch, vectorSeconds, memory, bytes, items, engines, kvGroup, kvBytes, 0, tiles), batch, kvHeads,
                        headDim, engines);
            }
            // XQA's multi-block split: each (sequence, KV head)'s keys over several CTAs, each paying the per-CTA and per-head work
            double ctas = decode && f.splitsKvAsXqa() ? items * XqaMultiBlock.blocks(batch, kvHeads, kvLen, engines) : items;
            double t = tiles != null ? tiles.seconds(f, total, launch, compute, memory, bytes, engines, kvGroup, kvBytes)
                    : f.seconds(total, launch, compute, memory, bytes, ctas, engines, kvGroup, kvBytes);
            // FlashAttention-3's varlen scheduler walking the batch, where the figures say the decode kernel is FA3's
            return decode ? f.wideHeadSeconds(t, batch, kvHeads, headDim, engines) + f.varlenScanSeconds(batch, headDim) : t;
        }

        double seconds(FrameworkProfile.ClassFigures classFigures, OpEstimate e, double items, int engines, double kvGroup, double kvBytes) {
            OpEstimate.Breakdown b = e.breakdown();
            return seconds(classFigures, e.seconds(), b.launchUs() * 1e-6, b.computeUs() * 1e-6, b.memoryUs() * 1e-6, b.dramBytes(), items, engines,
                    kvGroup, kvBytes);
        }
    }

    /**
     * Dynamic per-tensor activation quantisation of {@code elements} values, two streaming kernels: the amax pass
     * (reads the bf16 activation: 2 bytes per element, as a copy of 1) under the {@code quantize_amax} figures, and
     * the cast (reads bf16, writes fp8: 3 bytes per element, as a copy of 1.5) under the {@code quantize} figures.
     */
    public static double quantizeSeconds(FrameworkProfile profile, KernelSimulator sim, long elements, DeviceSpec device, ProcessorSpec p) {
        return quantizeSeconds(profile, sim, 0, elements, device, p);
    }

    /** ... over {@code tokens} rows (0: not known), which the profile's launch of one CTA per row ({@link #quantizeKernelSeconds}) needs. */
    public static double quantizeSeconds(FrameworkProfile profile, KernelSimulator sim, long tokens, long elements, DeviceSpec device, ProcessorSpec p) {
        double t = 0;
        for (boolean cast : QUANTIZE_STEPS) {
            t += quantizeKernelSeconds(profile, quantizeClass(cast), quantizeKernel(sim, elements, cast, device, p), tokens, p.engines());
        }
        return t;
    }

    /**
     * One quantise kernel ({@code e}) under its class's figures, the waves of the profile's one CTA per token row ({@link
     * FrameworkProfile.QuantizeCtas}) the floor of its DRAM part where the rows are known ({@code tokens} above 0).
     */
    public static double quantizeKernelSeconds(FrameworkProfile profile, String cls, OpEstimate e, double tokens, int engines) {
        OpEstimate.Breakdown b = e.breakdown();
        return profile.figures(cls).seconds(e.seconds(), b.launchUs() * 1e-6, b.computeUs() * 1e-6, b.memoryUs() * 1e-6, b.dramBytes(), 0, engines, 1, 0,
                profile.quantizeWavesSeconds(tokens, b.dramBytes(), engines));
    }

    /**
     * The activation quantise before an fp8 GEMM: the per-token kernel where the profile has one ({@link
     * FrameworkProfile#QUANTIZE_TOKEN}: one pass that reads bf16 and writes fp8, as the cast, under its own figures),
     * else the per-tensor amax pass and cast ({@link #quantizeSeconds}).
     */
    public static double gemmQuantizeSeconds(FrameworkProfile profile, KernelSimulator sim, long elements, DeviceSpec device, ProcessorSpec p) {
        return gemmQuantizeSeconds(profile, sim, 0, elements, device, p);
    }

    /**
     * ... over {@code tokens} rows of the activation (0: not known). A serving engine that quantises with its checkpoint's
     * static per-tensor scale ({@link FrameworkProfile.Serving#staticActivationScales}) runs the cast alone, no amax pass.
     */
    public static double gemmQuantizeSeconds(FrameworkProfile profile, KernelSimulator sim, long tokens, long elements, DeviceSpec device, ProcessorSpec p) {
        if (profile.perTokenQuantize()) {
            return apply(profile.figures(FrameworkProfile.QUANTIZE_TOKEN), quantizeKernel(sim, elements, true, device, p), 0, p.engines());
        }
        if (profile.serving().staticActivationScales()) {
            return quantizeKernelSeconds(profile, quantizeClass(true), quantizeKernel(sim, elements, true, device, p), tokens, p.engines());
        }
        return quantizeSeconds(profile, sim, tokens, elements, device, p);
    }

    /**
     * The profile's class of a quantise kernel: {@code quantize} for the cast, {@code quantize_amax} for the amax pass
     * (a reduction with its own launch pattern and load width: TensorRT-LLM's per-tensor {@code computeFP8QuantizeScale}
     * runs a memset then a 1024 x 1024 grid-stride kernel of one 2-byte load per thread per step, where its cast
     * {@code scaleMatrixPerTensorVec} loads 16 bytes per thread; cpp/tensorrt_llm/common/cudaFp8Utils.cu).
     */
    public static String quantizeClass(boolean cast) {
        return cast ? "quantize" : "quantize_amax";
    }

    /** The two kernels of a per-tensor quantise, as {@link #quantizeKernel}'s {@code cast}: the amax pass, then the cast. */
    public static final boolean[] QUANTIZE_STEPS = {false, true};

    /** One of them: the amax pass reads 2 bytes per element (a copy of 1), the cast reads 2 and writes 1 (a copy of 1.5). */
    public static OpEstimate quantizeKernel(KernelSimulator sim, long elements, boolean cast, DeviceSpec device, ProcessorSpec p) {
        long el = Math.max(1, elements);
        return sim.memcpy(cast ? Math.max(1, el * 3 / 2) : el, device, p);
    }

    /**
     * An fp8 GEMM's shape and the processor figures its library tiles ({@link FrameworkProfile.Fp8GemmTiles}) are timed on.
     *
     * @param m            rows of A (tokens)
     * @param n            output columns
     * @param k            the reduced dimension
     * @param count        independent products (a batched matmul's weight matrices)
     * @param engines      SMs
     * @param macsPerS     one SM's dense MACs per second in the GEMM's dtype
     * @param elementBytes bytes per operand element (1 for fp8)
     */
    public record GemmDims(long m, long n, long k, long count, int engines, double macsPerS, double elementBytes) {
        /**
         * The dims of an fp8 matmul on the processor; null for any other op, on a device the library tiles' sm90 kernels
         * are not built for ({@link GemmTileRule#runsOn}), or where the processor has no fp8 MACs.
         */
        public static GemmDims of(Op op, List<TensorType> in, DeviceSpec device, ProcessorSpec p) {
            double macsPerS = op instanceof MatMul mm && !in.isEmpty() ? tileMacsPerSecond(mm.wdtype(), device, p) : 0;
            if (macsPerS == 0) {
                return null;
            }
            MatMul mm = (MatMul) op;
            TensorType x = in.get(0);
            long count = mm.batch() > 1 && x.rank() == 2 ? mm.batch() : 1;
            return new GemmDims(x.rows(), mm.n(), mm.k(), count, p.engines(), macsPerS, mm.wdtype().bits() / 8.0);
        }

        /**
         * Seconds of the waves of library tiles with no split of K: ceil(CTAs / SMs) x the longer of one CTA's matrix work
         * (tm x tn x K padded to the K stage, at the figures' compute share) and its operand stream ((rows of A and B inside
         * the matrix) x K bytes at {@code ctaStreamGBps}).
         */
        public double tileFloorSeconds(FrameworkProfile.Fp8GemmTiles tiles, double matrixEfficiency) {
            int[] t = tiles.rule().tile(m, n);
            long ctas = count * ceilDiv(m, t[0]) * ceilDiv(n, t[1]);
            long waves = ceilDiv(ctas, engines);
            double kPadded = (double) ceilDiv(k, t[2]) * t[2];
            double work = (double) t[0] * t[1] * kPadded / macsPerS / matrixEfficiency;
            double stream = (Math.min(t[0], m) + Math.min(t[1], n)) * (double) k * elementBytes / (tiles.ctaStreamGBps() * 1e9);
            return waves * Math.max(work, stream);
        }

        /** The GEMM under the class's figures, its time at least the library tiles' waves (the floor of the body). */
        public double seconds(FrameworkProfile.ClassFigures f, FrameworkProfile.Fp8GemmTiles tiles, double total, double launch, double compute, double memory) {
            double t = f.seconds(total, launch, compute, memory, tileFloorSeconds(tiles, f.matrixEfficiency().orElse(1)));
            // a time per row of A where the figures have one ({@link FrameworkCost#items(Op, List)}), the rows spread over the SMs
            return f.perItemNs().isPresent() ? t + Math.ceil((double) count * m / Math.max(1, engines)) * f.perItemNs().getAsDouble() * 1e-9 : t;
        }

        double seconds(FrameworkProfile.ClassFigures f, FrameworkProfile.Fp8GemmTiles tiles, OpEstimate e) {
            OpEstimate.Breakdown b = e.breakdown();
            return seconds(f, tiles, e.seconds(), b.launchUs() * 1e-6, b.computeUs() * 1e-6, b.memoryUs() * 1e-6);
        }
    }

    /**
     * A fused fp8 MoE block's two grouped expert GEMMs (gate and up, then down) as a MoE library's own tile
     * ({@link FrameworkProfile#fp8MoeTiles}) runs them: per token draw (a power-law row's draws) and kernel, the waves of
     * CTAs, one CTA's matrix work and its operand bytes, worked out once per tile rule (a fit evaluates the floor at many
     * figures), the floors averaged over the draws as the block's other parts are.
     */
    public static final class MoeGemmDims {
        /** Per rule ({@link GemmTileRule#ordinal}): per draw and kernel, {waves, work at full compute share (s), operand bytes per CTA}. */
        private final double[][][] byRule;

        private MoeGemmDims(double[][][] byRule) {
            this.byRule = byRule;
        }

        /**
         * The dims of an fp8 block on the processor; null off the sm90 GPUs the tiles' kernels are built for, or without fp8 MACs.
         *
         * @param draws  assignments per local expert, per draw
         * @param up     output columns of the first GEMM (2 x ffn for gated experts)
         * @param hidden the model width (K of the first GEMM, N of the second)
         * @param ffn    the expert width on this GPU (K of the second GEMM)
         */
        public static MoeGemmDims of(List<long[]> draws, long up, long hidden, long ffn, DType wdtype, DeviceSpec device, ProcessorSpec p) {
            double macsPerS = draws.isEmpty() ? 0 : tileMacsPerSecond(wdtype, device, p);
            if (macsPerS == 0) {
                return null;
            }
            double elementBytes = wdtype.bits() / 8.0;
            GemmTileRule[] rules = GemmTileRule.values();
            double[][][] byRule = new double[rules.length][][];
            for (GemmTileRule rule : rules) {
                if (!rule.moe()) {
                    continue; // a linear layer's rule is no fused MoE block's (fp8_moe_tiles takes only MoE rules)
                }
                double[][] ks = new double[2 * draws.size()][];
                for (int d = 0; d < draws.size(); d++) {
                    ks[2 * d] = kernel(draws.get(d), up, hidden, rule, p.engines(), macsPerS, elementBytes);
                    ks[2 * d + 1] = kernel(draws.get(d), hidden, ffn, rule, p.engines(), macsPerS, elementBytes);
                }
                byRule[rule.ordinal()] = ks;
            }
            return new MoeGemmDims(byRule);
        }

        /**
         * One grouped kernel over the experts' loads: {waves, one CTA's mean work at full share (s), its mean operand bytes}.
         * Each expert's tiles as the rule gives them for its rows; a CTA streams the token rows and weight rows inside its
         * tile (an expert's last tile of tokens only its remaining rows), K deep.
         */
        private static double[] kernel(long[] loads, long n, long k, GemmTileRule rule, int engines, double macsPerS, double elementBytes) {
            long ctas = 0;
            double streamRows = 0;
            double work = 0;
            for (long m : loads) {
                if (m <= 0) {
                    continue;
                }
                int[] t = rule.tile(m, n);
                long mt = ceilDiv(m, t[0]);
                long nt = ceilDiv(n, t[1]);
                ctas += mt * nt;
                streamRows += (double) nt * m + (double) mt * n; // each token row in nt CTAs, each weight row in mt
                work += mt * nt * (double) t[0] * t[1] * ceilDiv(k, t[2]) * t[2] / macsPerS;
            }
            if (ctas == 0) {
                return new double[] {0, 0, 0};
            }
            return new double[] {ceilDiv(ctas, engines), work / ctas, streamRows / ctas * k * elementBytes};
        }

        /**
         * Seconds of the two kernels' waves of library tiles, the mean over the draws: per kernel, ceil(CTAs / SMs) x the
         * longer of one CTA's matrix work (the whole tile, K padded to the stage, at the figures' compute share) and its
         * mean operand stream at {@code ctaStreamGBps}. The CTAs of every expert share the SMs (one persistent grouped kernel).
         * The mean over draws of each draw's floor, held against the block's parts averaged over the same draws (as every
         * power-law row is): where draws differ, a little under the mean of each draw's own longer part.
         *
         * @throws IllegalArgumentException for a rule that is no fused MoE block's ({@link GemmTileRule#moe})
         */
        public double tileFloorSeconds(FrameworkProfile.Fp8GemmTiles tiles, double matrixEfficiency) {
            double[][] ks = byRule[tiles.rule().ordinal()];
            if (ks == null) {
                throw new IllegalArgumentException("fp8_moe_tiles: " + tiles.rule().id() + " is a linear layer's rule, not a fused MoE block's");
            }
            double rate = tiles.ctaStreamGBps() * 1e9;
            double s = 0;
            for (double[] k : ks) {
                s += k[0] * Math.max(k[1] / matrixEfficiency, k[2] / rate);
            }
            return s / (ks.length / 2);
        }

        /**
         * The block's grouped GEMMs under the class's figures ({@link FrameworkProfile.ClassFigures#seconds}: its time per
         * active expert, {@code items} over {@code engines}, and any rate per engine kept), their DRAM part at least the library
         * tiles' waves.
         */
        public double seconds(FrameworkProfile.ClassFigures f, FrameworkProfile.Fp8GemmTiles tiles, double total, double launch, double compute, double memory,
                double bytes, double items, int engines) {
            return f.seconds(total, launch, compute, memory, bytes, items, engines, 1, 0, tileFloorSeconds(tiles, f.matrixEfficiency().orElse(1)));
        }
    }

    /**
     * One SM's MACs per second for a library tile's fp8 GEMM ({@link GemmTileRule}: sm90 kernels), at the sustained clock;
     * 0 where the tiles do not apply (another dtype, a PIM processor, a device the rules' kernels are not built for, no
     * fp8 MACs).
     */
    private static double tileMacsPerSecond(DType wdtype, DeviceSpec device, ProcessorSpec p) {
        if (!wdtype.isFloat8() || p.kind().isPim() || !GemmTileRule.runsOn(device)) {
            return 0;
        }
        return engineMacsPerSecond(wdtype, p);
    }

    /** One engine's dense MACs per second in {@code dt} at the clock under sustained load (0 where the spec gives no rate). */
    private static double engineMacsPerSecond(DType dt, ProcessorSpec p) {
        Double macs = p.macsPerCycle().get(dt);
        return macs == null || macs <= 0 ? 0 : macs * p.sustainedClockMHz().orElse(p.clockMHz()) * 1e6;
    }

    /** a / b rounded up, for positive counts (tiles, waves, CTAs). */
    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Activation elements an fp8 grouped GEMM or expert FFN of this framework quantises inside its own time (0: none). */
    static long quantizedActivationElements(FrameworkProfile profile, Op op, List<TensorType> in) {
        if (!profile.fp8QuantizesActivation() || in.isEmpty()) {
            return 0;
        }
        DType w = op instanceof MatMul m ? m.wdtype() : op instanceof GroupedMatMul g ? g.wdtype() : op instanceof ExpertFfn f ? f.wdtype() : null;
        if (w == null || !(w.isFloat8() || RooflineCostModel.computeDType(op, in).isFloat8())) {
            return 0;
        }
        if (op instanceof GroupedMatMul) {
            return in.get(0).elements();
        }
        // a matmul's quantise is its own op in the plan (Quantize, before it): not counted here
        if (op instanceof ExpertFfn f) {
            // the block's input as the call's tokens, quantised once before the permute copies each token to its top_k slots
            // (TensorRT-LLM's CutlassFusedMoE.forward_chunk: static_quantize_e4m3_per_tensor on x, [tokens, hidden], then
            // fused_moe; vLLM's modular kernel quantises a1 in its prepare step), and the gated activation before the down
            // projection, per slot. The op gives its slots, not the call's tokens: its served tokens (all of them where the
            // experts are all here; under EP the call's other tokens are not counted)
            return f.servedTokens() * f.hidden() + f.totalTokens() * f.ffn();
        }
        return 0;
    }
}
