package io.moesim.validation.database;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.MoeTileRule;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.hw.TritonMoeConfigs;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.sim.kernel.FrameworkCost;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.kernel.OpEstimate;
import io.moesim.validation.compare.Prediction;
import io.moesim.validation.compare.RooflinePredictor;
import io.moesim.validation.trace.GpuEnvironment;
import io.moesim.validation.trace.IrOps;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.OpForm;
import io.moesim.validation.trace.Split;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Predicts database rows with the simulator's kernel model under a {@link FrameworkProfile}, the same
 * arithmetic the compiler's cost model uses ({@link FrameworkCost}). A row is a sum of kernel
 * {@link Piece}s, each the kernel model's estimate on the datasheet target of one op class; a profile
 * turns each piece into time. Pieces are computed once per (row, target), so fitting a profile over a
 * grid costs no simulation.
 *
 * <ul>
 *   <li>{@code matmul}: one GEMM ({@code gemm} or {@code gemm_fp8}); an fp8 GEMM adds the activation's
 *       quantise kernel when the profile says the framework runs one ({@code quantize} class).</li>
 *   <li>{@code attention}: one kernel, {@code attention_decode} for q_len 1 against a KV cache (paged-KV decode;
 *       {@code attention_decode_fp8_kv} on an E4M3 cache, {@code kv_dtype=fp8e4m3}), else
 *       {@code attention_prefill} (a context-table row, a whole prompt, at one token too: {@link FrameworkCost#runsDecodeKernel}).</li>
 *   <li>{@code quantize}: a streaming kernel, {@code cast} reads 2 and writes 1 byte per element,
 *       {@code amax} reads 2; {@code token} (a dynamic per-token quantise) is the two of them, as a profile without
 *       {@code quantize_token} prices the quantise before an fp8 GEMM. A cast that its collector times as eager PyTorch
 *       ({@link #EAGER_CAST_FRAMEWORKS}) is the four kernels it launches.</li>
 *   <li>{@code moe-layer} (a fused MoE block as the framework runs it, router logits given): the permute
 *       (this GPU's assigned rows of the hidden size gathered, {@code other}), the grouped expert GEMMs of this
 *       GPU's experts (gate+up, then down, or up then down where {@code gated=false}; {@code moe}, or {@code moe_fp8} for fp8
 *       experts) with the token routing
 *       of the row's {@code distribution} ({@link #localLoads}), then the unpermute of this GPU's rows
 *       ({@code other}) or, in a framework with the {@code moe_slots} class, the top-k reduction over every
 *       slot; fp8 blocks quantise their input and the gated activation when the profile quantises.</li>
 *   <li>collectives: NCCL rows on the system's link model; {@code impl=} rows (a framework's own
 *       all-reduce) on the profile's {@link FrameworkProfile.CustomAllReduce} where it has one.</li>
 * </ul>
 *
 * <p><b>Token routing</b> of a MoE row: as NVIDIA's collector routes it ({@link #localLoads}); the GPU measured
 * holds experts 0..E/ep-1, which the collector makes the most loaded EP rank under a power-law spread.
 */
public final class DbModel {
    private final KernelSimulator sim = new KernelSimulator();
    private final Map<String, List<Piece>> pieces = new ConcurrentHashMap<>();

    /**
     * One kernel of a row on a target, as the kernel model estimates it at datasheet figures.
     *
     * @param cls         the profile's op class
     * @param quantize    a quantise kernel that runs only where the profile quantises fp8 activations
     * @param slots       0: always runs; 1: only where the profile has the {@code moe_slots} class; -1: only where it lacks it
     * @param total       the model's time, s
     * @param launch      its launch part, s
     * @param compute     its compute part, s
     * @param memory      its DRAM part, s
     * @param kvBytes     attention: the KV-cache bytes within {@code bytes} (a fallback decode kernel reads them per query head)
     * @param gemm        an fp8 GEMM's shape, timed on a profile's library tiles where it has them (null: none)
     * @param moeGemm     a fused fp8 MoE block's grouped GEMMs, timed on a profile's MoE tiles where it has them (null: none)
     * @param tiled       a bf16 fused MoE block on each {@link MoeTileRule}, by the rule's ordinal (null: not such a block)
     * @param quant       a quantise kernel's rows and L2 footprint (null: not such a kernel)
     */
    public record Piece(String cls, boolean quantize, int slots, double total, double launch, double compute, double memory, double bytes, double items,
            int engines, double kvGroup, double kvBytes, FrameworkCost.GemmDims gemm, FrameworkCost.AttentionKernel attention, String slotClass,
            FrameworkCost.MoeGemmDims moeGemm, Tiled[] tiled, Quant quant) {
        public Piece(String cls, boolean quantize, int slots, double total, double launch, double compute, double memory, double bytes, double items,
                int engines, double kvGroup, double kvBytes, FrameworkCost.GemmDims gemm, FrameworkCost.AttentionKernel attention, String slotClass,
                FrameworkCost.MoeGemmDims moeGemm) {
            this(cls, quantize, slots, total, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes, gemm, attention, slotClass, moeGemm, null, null);
        }

        public Piece(String cls, boolean quantize, int slots, double total, double launch, double compute, double memory, double bytes, double items,
                int engines, double kvGroup, double kvBytes, FrameworkCost.GemmDims gemm) {
            this(cls, quantize, slots, total, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes, gemm, null, null, null);
        }

        public Piece(String cls, boolean quantize, int slots, double total, double launch, double compute, double memory, double bytes, double items,
                int engines, double kvGroup) {
            this(cls, quantize, slots, total, launch, compute, memory, bytes, items, engines, kvGroup, 0, null);
        }

        /** This piece with an fp8 GEMM's shape. */
        Piece withGemm(FrameworkCost.GemmDims g) {
            return new Piece(cls, quantize, slots, total, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes, g, attention, slotClass, moeGemm,
                    tiled, quant);
        }

        /** This piece with a bf16 fused MoE block on each tile rule ({@link #tiled}). */
        Piece withTiled(Tiled[] c) {
            return new Piece(cls, quantize, slots, total, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes, gemm, attention, slotClass, moeGemm, c, quant);
        }

        /** This piece as a quantise kernel ({@link Quant}). */
        Piece withQuant(Quant q) {
            return new Piece(cls, quantize, slots, total, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes, gemm, attention, slotClass, moeGemm,
                    tiled, q);
        }

        /** This piece with a fused fp8 MoE block's grouped GEMMs. */
        Piece withMoeGemm(FrameworkCost.MoeGemmDims g) {
            return new Piece(cls, quantize, slots, total, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes, gemm, attention, slotClass, g,
                    tiled, quant);
        }

        /** This piece with an attention op's kernel ({@link FrameworkCost.AttentionKernel}: head dim, prefill tiles, decode floor). */
        Piece withAttention(Op op, List<TensorType> in, DeviceSpec device, ProcessorSpec p) {
            return new Piece(cls, quantize, slots, total, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes, gemm,
                    FrameworkCost.AttentionKernel.of(op, in, device, p), slotClass, moeGemm, tiled, quant);
        }

        static Piece of(String cls, boolean quantize, OpEstimate e) {
            return of(cls, quantize, e, 0, 1, 1);
        }

        /** A kernel with no work items on the processor's engines (the engines bound an {@code engine_GBps} rate). */
        static Piece of(String cls, boolean quantize, OpEstimate e, ProcessorSpec p) {
            return of(cls, quantize, e, 0, p.engines(), 1);
        }

        static Piece of(String cls, boolean quantize, OpEstimate e, double items, int engines, double kvGroup) {
            return of(cls, quantize, e, items, engines, kvGroup, 0);
        }

        static Piece of(String cls, boolean quantize, OpEstimate e, double items, int engines, double kvGroup, double kvBytes) {
            OpEstimate.Breakdown b = e.breakdown();
            return new Piece(cls, quantize, 0, e.seconds(), b.launchUs() * 1e-6, b.computeUs() * 1e-6, b.memoryUs() * 1e-6, b.dramBytes(), items, engines,
                    kvGroup, kvBytes, null);
        }

        /**
         * This piece, run only where the profile's fused MoE of the block's precision keeps ({@code 1}) or lacks ({@code -1})
         * the slot buffer ({@code slotClass}: {@link #SLOTS} for bf16 experts, {@link #SLOTS_FP8} for fp8 ones).
         */
        Piece slots(int s, String slotClass) {
            return new Piece(cls, quantize, s, total, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes, gemm, attention, slotClass, moeGemm,
                    tiled, quant);
        }

        /** Whether the profile runs this kernel at all (the quantise kernel, the slot-buffer kernels). */
        boolean runs(FrameworkProfile p) {
            if (quantize && cls.equals(FrameworkProfile.QUANTIZE_TOKEN) != p.perTokenQuantize()) {
                return false; // an fp8 GEMM's quantise is either the per-token kernel or the per-tensor pair
            }
            if (quantize && !cls.equals(FrameworkProfile.QUANTIZE_TOKEN) && !p.fp8QuantizesActivation()) {
                return false;
            }
            return slots == 0 || (slots > 0) == p.keepsSlotBuffer(slotClass);
        }

        double seconds(FrameworkProfile p) {
            if (!runs(p)) {
                return 0;
            }
            return seconds(p.figures(cls), p);
        }

        double seconds(FrameworkProfile.ClassFigures f) {
            return attention == null ? f.seconds(total, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes)
                    : attention.seconds(f, total, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes);
        }

        /**
         * ... an fp8 GEMM on the library's tiles where {@code tiles} (the profile whose tiles apply) has them ({@link
         * FrameworkCost.GemmDims}), a fused fp8 MoE block's grouped GEMMs on its MoE tiles ({@link FrameworkCost.MoeGemmDims}).
         */
        double seconds(FrameworkProfile.ClassFigures f, FrameworkProfile tiles) {
            if (gemm != null && tiles.fp8GemmTiles().isPresent() && cls.equals("gemm_fp8")) {
                return gemm.seconds(f, tiles.fp8GemmTiles().get(), total, launch, compute, memory);
            }
            if (moeGemm != null && tiles.fp8MoeTiles().isPresent() && cls.equals("moe_fp8")) {
                return moeGemm.seconds(f, tiles.fp8MoeTiles().get(), total, launch, compute, memory, bytes, items, engines);
            }
            if (tiled != null && tiles.moeTiles().isPresent()) {
                // the compute part on the tile's padded rows, a CTA's walk of K as the DRAM part's floor where the harness does
                // not find the call's bytes in L2
                FrameworkProfile.MoeTiles m = tiles.moeTiles().get();
                Tiled x = tiled[m.rule().ordinal()];
                double t = FrameworkCost.withCompute(f, total, launch, compute, memory, bytes, items, engines, x.computeS(), m.floorSeconds(x.kSteps(), x.l2Fraction()));
                return FrameworkCost.withUnalignedDown(f, t, launch, m, x.downShare());
            }
            if (quant != null && (tiles.quantizeCtas().isPresent() || tiles.quantizeL2().isPresent())) {
                return quant.seconds(f, tiles, this);
            }
            return seconds(f);
        }

        /** The mean of the same pieces over several token draws (every part averaged). */
        static Piece mean(List<Piece> ps) {
            Piece a = ps.get(0);
            double n = ps.size();
            double t = 0, l = 0, c = 0, m = 0, by = 0, it = 0;
            for (Piece x : ps) {
                t += x.total;
                l += x.launch;
                c += x.compute;
                m += x.memory;
                by += x.bytes;
                it += x.items;
            }
            Tiled[] tc = null;
            if (a.tiled != null) {
                tc = new Tiled[a.tiled.length];
                for (int i = 0; i < tc.length; i++) {
                    double cs = 0, ks = 0, lf = 0;
                    for (Piece x : ps) {
                        cs += x.tiled[i].computeS() / n;
                        ks += x.tiled[i].kSteps() / n;
                        lf += x.tiled[i].l2Fraction() / n;
                    }
                    tc[i] = new Tiled(cs, ks, lf, a.tiled[i].downShare()); // the same block: the same width and share
                }
            }
            return new Piece(a.cls, a.quantize, a.slots, t / n, l / n, c / n, m / n, by / n, it / n, a.engines, a.kvGroup, a.kvBytes, a.gemm, a.attention,
                    a.slotClass, a.moeGemm, tc, Quant.mean(ps));
        }
    }

    /**
     * A quantise kernel's rows and footprint, which two of a profile's figures time: its launch of one CTA per token row
     * ({@link FrameworkProfile.QuantizeCtas}: the waves a floor on the DRAM part) and, in the harness, the L2's rate where its
     * bytes fit there ({@link FrameworkProfile.QuantizeL2}).
     *
     * @param tokens     its token rows (0: not known, no waves: a fused MoE block's own quantise)
     * @param l2Fraction its DRAM bytes over the GPU's L2
     */
    public record Quant(double tokens, double l2Fraction) {
        /** Kernel {@code e}'s over {@code tokens} rows on the processor (a processor without an L2: a footprint that never fits). */
        static Quant of(long tokens, OpEstimate e, ProcessorSpec p) {
            return new Quant(tokens, DbModel.l2Fraction(e, p));
        }

        /** The same kernel over several token draws: the row's rows, the draws' mean footprint (null: not a quantise kernel). */
        static Quant mean(List<Piece> ps) {
            Quant a = ps.get(0).quant;
            if (a == null) {
                return null;
            }
            double l2 = 0;
            for (Piece x : ps) {
                l2 += x.quant.l2Fraction() / ps.size();
            }
            return new Quant(a.tokens(), l2);
        }

        /** The kernel {@code k} under its class's figures {@code f} and the profile {@code tiles}' quantise figures. */
        double seconds(FrameworkProfile.ClassFigures f, FrameworkProfile tiles, Piece k) {
            double memory = k.memory();
            if (tiles.quantizeL2().isPresent() && memory > 0) {
                // the DRAM part the class's share leaves, at the L2's rate where the harness finds the bytes there: handed to the
                // figures in the model's terms (before the share), the rest of the model's time as it was
                double share = f.bandwidthFraction().orElse(1);
                memory = tiles.quantizeL2().get().memorySeconds(memory / share, k.bytes(), l2Fraction) * share;
            }
            // the model's rest (fill, drain) as it was: its total less the longer of compute and DRAM, plus the new longer
            double total = k.total() - Math.max(k.compute(), k.memory()) + Math.max(k.compute(), memory);
            return f.seconds(total, k.launch(), k.compute(), memory, k.bytes(), k.items(), k.engines(), k.kvGroup(), k.kvBytes(),
                    tiles.quantizeWavesSeconds(tokens, k.bytes(), k.engines()));
        }
    }

    /**
     * A bf16 fused MoE block on one {@link MoeTileRule}.
     *
     * @param computeS   its compute part on the rule's padded rows, s (in place of the piece's under a profile with the rule)
     * @param kSteps     one CTA's K steps ({@link MoeTileRule#kSteps})
     * @param l2Fraction its DRAM bytes over the GPU's L2
     * @param downShare  its down GEMM's share of its matrix work where the rule's kernel runs its width unaligned, else 0
     *                   ({@link FrameworkCost#unalignedDownShare})
     */
    public record Tiled(double computeS, double kSteps, double l2Fraction, double downShare) {
    }

    /** A kernel's DRAM bytes over the processor's L2 (no L2: infinite, a footprint that never fits). */
    static double l2Fraction(OpEstimate e, ProcessorSpec p) {
        double l2 = p.sram().l2Bytes();
        return l2 > 0 ? e.breakdown().dramBytes() / l2 : Double.POSITIVE_INFINITY;
    }

    /** A fused MoE block's expert width on one GPU: its ffn over its tensor parallelism (what Triton's N and the tuned configs' N are). */
    static long expertWidth(OpForm f) {
        return f.getLong("ffn") / f.getLong("tp", 1);
    }

    /** The op class of a fused MoE block's slot-buffer kernels (see the class comment). */
    public static final String SLOTS = FrameworkProfile.MOE_SLOTS;

    /** ... of a block of fp8 experts, in a profile with its own fp8 MoE figures ({@link FrameworkProfile#MOE_FP8_SLOTS}). */
    public static final String SLOTS_FP8 = FrameworkProfile.MOE_FP8_SLOTS;

    /** Predicted µs of the row on the device under the profile; NaN where the model cannot run it. */
    public double predictUs(DbRow r, DeviceSpec device, FrameworkProfile profile) {
        OpForm f = r.op();
        if (IrOps.isCollective(f.kind())) {
            if (f.has("impl") && profile.customAllReduce().isPresent()) {
                SystemSpec s = Systems.load(r.system());
                return profile.customAllReduce().get().seconds(f.getLong("bytes"), (int) f.getLong("group"), s.intraNodePeerBandwidthGBps(),
                        profile.collectives()) * 1e6;
            }
            if (profile.collectives().isPresent()) {
                // nccl-tests rows under a profile that names its collective library: as that library runs them
                return RooflinePredictor.collective(measurement(r), Systems.load(r.system()), profile.collectives()).us();
            }
            Prediction p = RooflinePredictor.datasheet().predict(measurement(r), device);
            return p.us();
        }
        List<Piece> ps = pieces(r, device);
        if (ps == null) {
            return Double.NaN;
        }
        double s = 0;
        for (Piece p : ps) {
            s += p.seconds(profile);
        }
        return s * 1e6;
    }

    /** The row's kernels on the device (null where the model cannot run it), memoised. */
    public List<Piece> pieces(DbRow r, DeviceSpec device) {
        boolean rank0 = rank0Workload(r);
        boolean moe = r.op().kind().equals("moe-layer");
        boolean fp8 = moe && IrOps.dtype(r.op()).bits() == 8;
        LoadRepair repair = moe ? LoadRepair.of(r.framework()) : LoadRepair.LARGEST_FIRST;
        // bf16 experts on Triton's fused_moe through an expert map write zero rows for other GPUs' slots; CUTLASS MoE's blocks
        // finalize every token
        boolean zeroRows = moe && !fp8 && ZERO_ROW_FRAMEWORKS.contains(r.framework());
        boolean finalize = moe && (fp8 ? FINALIZE_FP8_FRAMEWORKS : FINALIZE_BF16_FRAMEWORKS).contains(r.framework());
        // a bf16 block the framework ships a tuned Triton config for runs that config's tile (TritonMoeConfigs), else the rule's;
        // the framework is passed on (and keyed) only then, so untuned rows of every framework share their pieces
        String tuned = moe && !fp8 && TritonMoeConfigs.ships(r.framework(), device, r.op().getLong("experts") / r.op().getLong("ep", 1),
                expertWidth(r.op())) ? r.framework() : "";
        boolean eager = eagerCast(r);
        String key = device.id() + "|" + (rank0 ? "rank0|" : "") + (repair == LoadRepair.LARGEST_FIRST ? "" : repair + "|") + (zeroRows ? "zero|" : "") + (finalize ? "fin|" : "")
                + (tuned.isEmpty() ? "" : "tuned:" + tuned + "|") + (eager ? "eager|" : "") + r.op().text();
        List<Piece> hit = pieces.get(key);
        if (hit != null) {
            return hit.isEmpty() ? null : hit;
        }
        List<Piece> ps = compute(r.op(), device, rank0, repair, zeroRows, finalize, eager, tuned);
        pieces.put(key, ps == null ? List.of() : ps);
        return ps;
    }

    /**
     * The frameworks whose collector times an expert-parallel MoE row as rank 0's own workload (AIConfigurator
     * {@code collector/sglang/collect_moe.py}, {@code build_rank0_workloads} / {@code build_rank0_local_workload}):
     * only the tokens with at least one top-k choice among the GPU's experts are run, their slots on other GPUs' experts
     * marked invalid (id -1, weight 0). The expert GEMMs compute the GPU's own assignments and the top-k reduction
     * covers every slot of those tokens. (Today's collector clamps the invalid ids to expert 0, which would compute them
     * there too; the SGLang 0.5.9 rows, collected before, fit skipping them: calibration MAPE of the H100 expert-parallel
     * rows 23.1% with every token run, 20.2% with the clamp, 17.6% skipped.) The other collectors run every token and the
     * GPU's own assignments.
     */
    static final java.util.Set<String> RANK0_WORKLOAD_FRAMEWORKS = java.util.Set.of("sglang");

    /**
     * The frameworks whose power-law MoE rows were drawn by AIConfigurator's current collector, whose repair of the rounded
     * loads deals the remainder to the EP ranks in turn ({@link #roundRobinRepair}); the others' by its earlier one, which
     * gives it to the first experts in descending load ({@code torch.argsort}). The tables do not say which collector drew
     * them (TensorRT-LLM's is "collected", vLLM's and SGLang's "legacy", and vLLM's has rows appended since), and the two
     * repairs differ only where few assignments leave loads at 0 or 1, so the choice is each framework's H100 calibration
     * rows' (fused MoE calibration MAPE with the current / earlier repair: TensorRT-LLM bf16 16.7 / 19.9, fp8 14.1 / 15.0;
     * vLLM bf16 14.1 / 18.3, fp8 13.6 / 19.1; SGLang 18.9 / 17.6). Session 21 offered the collector version between the two
     * ({@link #SMALLEST_FIRST_FRAMEWORKS}) as well: its H100 calibration rows (>= 20 us) keep the current one for TensorRT-LLM
     * (bf16 power law 1.01 13.8 against 26.6 with it) and vLLM (bf16 power law 1.01 11.1 / 17.2, fp8 power law 1.2 6.0 / 26.5).
     */
    static final java.util.Set<String> ROUND_ROBIN_FRAMEWORKS = java.util.Set.of("trtllm", "vllm");

    /**
     * The frameworks whose power-law MoE rows were drawn by the collector between those two ({@link LoadRepair#SMALLEST_FIRST}):
     * SGLang's, whose table (0.5.9, "legacy") was collected by the first {@code collector/sglang/collect_moe.py} that ran
     * expert-parallel rows ({@code build_rank0_local_workload}), with the {@code collector/helper.py} of that time. Read off the
     * source, not fitted: rank 0 runs 8, 16, 16, 16, 15 of its 16 experts at 1-16 tokens (7168 / 2048 / 256 experts, top 8,
     * EP 16; the time per expert from the balanced rows of the shape), which this repair gives (8, 16, 15.7, 15.8, 15.5) and
     * neither other does (earlier: 8, 16, 6.2, 5.1, 7.5; current: 1, 1, 4, 6.9, 8.9; numpy emulations of each collector version,
     * 400 draws). Those counts were read off full-table rows of two shapes in session 12 (both splits); the version is confirmed
     * on H100 calibration rows alone (SGLang's fused MoE, rows >= 20 us: 11.4 -> 10.2% against the earliest repair).
     */
    static final java.util.Set<String> SMALLEST_FIRST_FRAMEWORKS = java.util.Set.of("sglang");

    /** How a collector's power-law draw repairs its rounded loads to sum to tokens x top_k (by collector version). */
    public enum LoadRepair {
        /** The earliest: the shortfall to the most loaded experts first, the excess from the least ({@link #argsortRepair}). */
        LARGEST_FIRST,
        /** The next: loads capped at the tokens, the cap's excess and the shortfall to the least loaded first ({@link #smallestFirstRepair}). */
        SMALLEST_FIRST,
        /** The current: dealt to the EP ranks in turn ({@link #roundRobinRepair}). */
        ROUND_ROBIN;

        /** The repair of the collector that drew {@code framework}'s power-law rows. */
        static LoadRepair of(String framework) {
            return ROUND_ROBIN_FRAMEWORKS.contains(framework) ? ROUND_ROBIN
                    : SMALLEST_FIRST_FRAMEWORKS.contains(framework) ? SMALLEST_FIRST : LARGEST_FIRST;
        }
    }

    /**
     * The frameworks whose bf16 fused MoE rows run Triton's fused_moe over every slot of the call's tokens, those on other
     * GPUs' experts included (vLLM: its collector runs every token through an expert map; SGLang: rank 0's own tokens,
     * {@link #RANK0_WORKLOAD_FRAMEWORKS}, their other slots marked id -1). fused_moe_kernel's CTAs of an expert id -1 write
     * zero rows ({@code write_zeros_to_output}), so the first GEMM writes a zero row of its width for every slot on another
     * GPU, and the gated activation between the GEMMs runs over the whole intermediate buffer, tokens x top_k rows
     * ({@code silu_and_mul(intermediate_cache1.view(-1, N), intermediate_cache2)} in both fused_experts_impl: vllm
     * vllm/model_executor/layers/fused_moe/fused_moe.py, sglang python/sglang/srt/layers/moe/fused_moe_triton/fused_moe.py),
     * reading 2 x ffn and writing ffn per slot. TensorRT-LLM's CUTLASS MoE and vLLM's fp8 blocks (FlashInfer's CUTLASS MoE)
     * permute only their own rows. (SGLang's zero rows and the activation over the other slots: H100 calibration MAPE of its
     * bf16 MoE rows 11.8 -> 11.4%; vLLM's activation over them: 11.5 -> 10.6%; session 19.)
     */
    static final java.util.Set<String> ZERO_ROW_FRAMEWORKS = java.util.Set.of("vllm", "sglang");

    /**
     * The frameworks whose fp8 fused MoE rows run CUTLASS MoE (TensorRT-LLM's kernels; vLLM's through FlashInfer), whose
     * unpermute is its finalize: one CTA per token (finalizeMoeRoutingKernel) reads the GPU's own rows of that token and
     * writes the token's output row whether or not any of its slots is here, (rows + tokens) x hidden bf16, where the model's
     * scatter moves each row back, 2 x rows x hidden.
     */
    static final java.util.Set<String> FINALIZE_FP8_FRAMEWORKS = java.util.Set.of("trtllm", "vllm");

    /**
     * ... and whose bf16 rows do: TensorRT-LLM's, the same CUTLASS MoE (vLLM's bf16 blocks are Triton's fused_moe). Kept
     * since its bf16 blocks run on their own tile ({@link MoeTileRule#CUTLASS_SM90_AUTOTUNED}), which also took dense FFNs
     * off the moe figures in {@code simulate} (the coupling that had held it back, session 17): TensorRT-LLM's bf16 MoE H100
     * calibration MAPE 15.1 -> 14.8% on that tile (session 20).
     */
    static final java.util.Set<String> FINALIZE_BF16_FRAMEWORKS = java.util.Set.of("trtllm");

    /**
     * The frameworks whose collector times the static fp8 cast ({@code scale_matrix_perf}, {@code quantize ... step=cast})
     * as eager PyTorch, not as the framework's fused cast kernel: AIConfigurator {@code collector/sglang/collect_computescale.py}
     * ({@code _static_quantize_e4m3_per_tensor}, github.com/ai-dynamo/aiconfigurator at f68de06, for SGLang 0.5.14) runs
     * {@code out.copy_((x / scale).clamp(min, max).to(float8_e4m3fn))} with {@code scale} a one-element fp32 tensor. A
     * tensor of one dimension takes part in type promotion, so the division of the bf16 activation writes fp32, and the
     * row is four kernels ({@link #EAGER_CAST_KERNEL_BYTES}): 21 bytes per element where a fused cast moves 3. Its own table
     * shows it: the collector's {@code computescale_perf} is its fused dynamic per-token kernel's time minus this cast's,
     * clamped at 0, and 1,625 of its 1,628 SGLang rows are 0 on H100 (the fused kernel, which reads the row twice, is the
     * quicker).
     * A serving engine runs its fused kernel, so this is the database's harness only ({@code simulate} never asks for it).
     */
    static final java.util.Set<String> EAGER_CAST_FRAMEWORKS = java.util.Set.of("sglang");

    /**
     * Bytes per element each kernel of an eager cast ({@link #EAGER_CAST_FRAMEWORKS}) reads and writes, in launch order: the
     * division (bf16 in, fp32 out: 2 + 4), the clamp (fp32: 4 + 4), the cast (fp32 in, fp8 out: 4 + 1) and the copy into
     * the output (fp8: 1 + 1).
     */
    static final int[] EAGER_CAST_KERNEL_BYTES = {6, 8, 5, 2};

    /** Whether the row is a static fp8 cast its collector times as eager PyTorch ({@link #EAGER_CAST_FRAMEWORKS}). */
    static boolean eagerCast(DbRow r) {
        return r.op().kind().equals("quantize") && IrOps.quantizeStep(r.op()).equals("cast") && EAGER_CAST_FRAMEWORKS.contains(r.framework());
    }

    /** Whether the row is an expert-parallel MoE row its collector times as rank 0's own workload. */
    static boolean rank0Workload(DbRow r) {
        return r.op().kind().equals("moe-layer") && r.op().getLong("ep", 1) > 1 && RANK0_WORKLOAD_FRAMEWORKS.contains(r.framework());
    }

    private List<Piece> compute(OpForm f, DeviceSpec device, boolean rank0, LoadRepair repair, boolean zeroRows, boolean finalize, boolean eagerCast,
            String framework) {
        ProcessorSpec p = device.primary();
        List<Piece> out = new ArrayList<>();
        switch (f.kind()) {
            case "matmul", "attention" -> {
                IrOps.Applied a = IrOps.apply(f).orElseThrow();
                OpEstimate e = sim.estimate(a.op(), a.inputs(), device, p);
                if (!Double.isFinite(e.seconds())) {
                    return null;
                }
                out.add(Piece.of(FrameworkCost.opClass(a.op()), false, e, FrameworkCost.items(a.op(), a.inputs()), p.engines(), FrameworkCost.kvGroup(a.op()),
                        FrameworkCost.kvBytes(a.op(), a.inputs())).withGemm(FrameworkCost.GemmDims.of(a.op(), a.inputs(), device, p)).withAttention(a.op(), a.inputs(), device, p));
                if (f.kind().equals("matmul") && IrOps.dtype(f).bits() == 8) {
                    // the Quantize op lowering puts before an fp8 GEMM: the amax pass (reads bf16), then the cast (reads bf16, writes fp8),
                    // or the one per-token kernel (FrameworkCost.gemmQuantizeSeconds); the profile runs one or the other
                    long el = f.getLong("m") * f.getLong("k");
                    quantize(f.getLong("m"), el, true, device, p, out);
                    out.add(Piece.of(FrameworkProfile.QUANTIZE_TOKEN, true, FrameworkCost.quantizeKernel(sim, el, true, device, p), p));
                }
            }
            case "quantize" -> {
                long m = f.getLong("m");
                long el = m * f.getLong("k");
                String step = IrOps.quantizeStep(f);
                if (eagerCast) {
                    // a cast its collector times as eager PyTorch: the kernels it launches
                    eagerCastPieces(el, device, p, out);
                } else if (step.equals("token")) {
                    // a dynamic per-token quantise as the per-tensor pair prices it: its amax pass, then its cast
                    // (the kernel reads each row twice, once for the row's amax and once to cast it)
                    quantize(m, el, false, device, p, out);
                } else {
                    out.add(quantizeKernel(m, el, step.equals("cast"), false, device, p));
                }
            }
            case "moe-layer" -> {
                long t = f.getLong("tokens");
                long h = f.getLong("hidden");
                int experts = (int) f.getLong("experts");
                int k = (int) f.getLong("top_k");
                long ffn = expertWidth(f);
                int ep = (int) f.getLong("ep", 1);
                DType dt = IrOps.dtype(f);
                // gated experts: gate, up and down (SwiGLU); not: up and down, the IR's two-matrix form
                FfnActivation act = IrOps.gated(f) ? FfnActivation.SWIGLU : FfnActivation.GELU;
                List<Routes> draws = routes(t, k, experts, ep, f.get("distribution", "balanced"), f.text(), repair);
                List<List<Piece>> per = new ArrayList<>();
                for (Routes d : draws) {
                    // rank 0's own workload (RANK0_WORKLOAD_FRAMEWORKS) runs only its tokens; every other collector the whole batch
                    List<Piece> one = moePieces(rank0 ? d.rank0Tokens() : t, h, ffn, k, d.mine(), act, dt, zeroRows, finalize, framework, device, p);
                    if (one == null) {
                        return null;
                    }
                    per.add(one);
                }
                // an fp8 block's grouped GEMMs as a MoE library's own tile runs them, each draw's loads (FrameworkCost.MoeGemmDims)
                FrameworkCost.MoeGemmDims tiled = FrameworkCost.MoeGemmDims.of(draws.stream().map(Routes::mine).toList(),
                        act.upColumns(ffn), h, ffn, dt, device, p);
                for (int i = 0; i < per.get(0).size(); i++) {
                    List<Piece> same = new ArrayList<>();
                    for (List<Piece> one : per) {
                        same.add(one.get(i));
                    }
                    Piece mean = Piece.mean(same);
                    out.add(mean.cls().equals("moe_fp8") && tiled != null ? mean.withMoeGemm(tiled) : mean);
                }
            }
            default -> {
                return null;
            }
        }
        return out;
    }

    /**
     * The two kernels of an activation quantise ({@link FrameworkCost#QUANTIZE_STEPS}): before an fp8 GEMM or in an fp8 MoE
     * block run only where the profile quantises ({@code flagged}), as a quantise row of its own always.
     */
    private void quantize(long tokens, long elements, boolean flagged, DeviceSpec device, ProcessorSpec p, List<Piece> out) {
        for (boolean cast : FrameworkCost.QUANTIZE_STEPS) {
            out.add(quantizeKernel(tokens, elements, cast, flagged, device, p));
        }
    }

    /** An eager cast's kernels ({@link #EAGER_CAST_KERNEL_BYTES}), each a streaming kernel under the cast's class, with its own launch. */
    private void eagerCastPieces(long elements, DeviceSpec device, ProcessorSpec p, List<Piece> out) {
        long el = Math.max(1, elements);
        for (int bytes : EAGER_CAST_KERNEL_BYTES) {
            // a copy of n bytes moves 2n (KernelSimulator#memcpy): half the kernel's bytes per element
            OpEstimate e = sim.memcpy(el * bytes / 2, device, p);
            out.add(Piece.of(FrameworkCost.quantizeClass(true), false, e, p).withQuant(Quant.of(0, e, p))); // elementwise: no CTA per token
        }
    }

    /** One of them: the cast or the amax pass under its class ({@link FrameworkCost#quantizeClass}), over {@code tokens} rows (0: not known). */
    private Piece quantizeKernel(long tokens, long elements, boolean cast, boolean flagged, DeviceSpec device, ProcessorSpec p) {
        OpEstimate e = FrameworkCost.quantizeKernel(sim, elements, cast, device, p);
        return Piece.of(FrameworkCost.quantizeClass(cast), flagged, e, p).withQuant(Quant.of(tokens, e, p));
    }

    /** Token draws averaged for a power-law row (the collector itself averages 5 draws per measurement). */
    static final int DRAWS = 8;

    /**
     * The kernels of one fused MoE block on the GPU measured, for one draw of its local experts' loads
     * ({@code mine}: assignments per local expert). Always the same pieces in the same order (so draws can be
     * averaged): the permute (this GPU's rows gathered, {@code other}); the grouped expert GEMMs over the
     * active local experts ({@code moe}; items: the active experts, one after another); fp8 quantise kernels
     * where the profile quantises; then either the unpermute of this GPU's rows ({@code other}, frameworks
     * without the slot buffer) or the top-k reduction over every slot, tokens × top_k rows ({@link #SLOTS}), with, where
     * {@code zeroRows}, the zero rows the first GEMM writes for the other GPUs' slots and the activation over them
     * ({@link #ZERO_ROW_FRAMEWORKS}).
     */
    private List<Piece> moePieces(long t, long h, long ffn, int k, long[] mine, FfnActivation act, DType dt, boolean zeroRows, boolean finalize,
            String framework, DeviceSpec device, ProcessorSpec p) {
        List<Piece> out = new ArrayList<>();
        long rows = java.util.Arrays.stream(mine).sum();
        long moved = Math.max(1, rows) * h * 2; // this GPU's assignments: bf16 rows gathered, then scattered back
        String cls = dt.bits() == 8 ? "moe_fp8" : "moe";
        OpEstimate permute = sim.memcpy(moved, device, p); // the gather; the scatter back moves the same bytes
        out.add(Piece.of("other", false, permute));
        if (rows > 0) {
            ExpertFfn op = new ExpertFfn(mine.length, Math.min(k, mine.length), LongImmutableList.of(mine), h, ffn, act, dt).asRouted();
            List<TensorType> in = List.of(TensorType.of(dt, rows, h));
            OpEstimate e = sim.estimate(op, in, device, p);
            if (!Double.isFinite(e.seconds())) {
                return null;
            }
            Piece body = Piece.of(cls, false, e, FrameworkCost.items(op, in, p), p.engines(), 1);
            if (dt.bits() == 16) {
                // the block's compute on each tile rule's padded rows (a profile with a rule runs its bf16 blocks on it)
                Tiled[] tiled = new Tiled[MoeTileRule.values().length];
                for (MoeTileRule rule : MoeTileRule.values()) {
                    MoeTileRule.Tile tile = rule.tile(framework, device, t, mine.length, ffn);
                    tiled[rule.ordinal()] = new Tiled(FrameworkCost.paddedComputeSeconds(tile, mine, h, ffn, act, dt, p), MoeTileRule.kSteps(tile, h, ffn),
                            l2Fraction(e, p), FrameworkCost.unalignedDownShare(rule, h, ffn, act));
                }
                body = body.withTiled(tiled);
            }
            out.add(body);
        } else {
            out.add(new Piece(cls, false, 0, 0, 0, 0, 0, 0, 0, 1, 1));
        }
        if (dt.bits() == 8) {
            // as FrameworkCost: the call's input (its tokens, before the permute copies each to its slots) and the gated
            // activation, quantised in the block's kernel library (no rows given; FrameworkCost#quantizedActivationElements)
            quantize(0, Math.max(1, t * h + rows * ffn), true, device, p, out);
        }
        String slotCls = dt.bits() == 8 ? SLOTS_FP8 : SLOTS;
        // the unpermute: this GPU's rows scattered back, or CUTLASS MoE's finalize (one CTA per token: reads this GPU's rows,
        // writes every token's output row, (rows + tokens) x hidden bf16, a copy of half that)
        out.add(Piece.of("other", false, finalize ? sim.memcpy((Math.max(1, rows) + t) * h, device, p) : permute).slots(-1, slotCls));
        // the top-k reduction over the block's slots (tokens x top_k rows: every slot's down-projection row read,
        // one bf16 row per token written, whichever GPU holds the slot's expert), in frameworks that keep the slot
        // buffer (fitted in or out with the moe_slots class)
        long slots = t * k;
        long others = Math.max(0, slots - rows);
        long bytes = slots * h * 2 + t * h * 2 + others * h * 2;
        if (zeroRows) {
            // Triton's fused_moe over every slot of the call's tokens: the first GEMM's CTAs of other GPUs' experts (expert id
            // -1) write zero rows (fused_moe_kernel, write_zeros_to_output), other slots x its width, bf16; the activation
            // between the GEMMs reads those rows and writes its own (ffn wide) for them too (this GPU's are the expert FFN's)
            bytes += others * act.upColumns(ffn) * 2 + others * (act.upColumns(ffn) + ffn) * 2;
        }
        out.add(Piece.of(slotCls, false, sim.memcpy(Math.max(1, bytes / 2), device, p)).slots(1, slotCls));
        return out;
    }

    /**
     * The assignments per local expert of the GPU measured, as NVIDIA's collector routes the tokens
     * (aiconfigurator {@code collector/helper.py}): {@code balanced}, one deterministic draw: token i takes
     * experts (i + j·s) mod E for j &lt; top_k, s = ceil(E / top_k) (when tokens &lt; s: floor(i·s/tokens + j·s)
     * mod E); {@code power_law_a}, {@link #DRAWS} seeded draws: each expert's load sampled from a power law of
     * exponent a on [1, 0.8·tokens] (on [0.01, 2] when tokens·top_k &le; E), scaled and rounded, repaired to sum to
     * tokens·top_k (the earlier collector's repair here; {@link #routes(long, int, int, int, String, String, boolean)} either),
     * and the EP rank with the most assignments swapped to rank 0. The GPU measured holds
     * experts 0..E/ep-1 (rank 0).
     */
    public static List<long[]> localLoads(long tokens, int topK, int experts, int ep, String distribution, String seedText) {
        return routes(tokens, topK, experts, ep, distribution, seedText).stream().map(Routes::mine).toList();
    }

    /**
     * One routing draw as the GPU measured sees it.
     *
     * @param mine        assignments per local expert
     * @param rank0Tokens the tokens with at least one top-k choice among the local experts
     */
    public record Routes(long[] mine, long rank0Tokens) {
    }

    /**
     * {@link #localLoads} with each draw's rank-0 tokens. Power law: the collector lays the assignments out as
     * {@code _assign_experts_from_counts} does (experts by descending load, ties by id, each one's assignments
     * consecutive in a column-major tokens x top_k table, so assignment i goes to token i mod tokens); a token is
     * rank 0's when one of the local experts' runs covers it.
     */
    public static List<Routes> routes(long tokens, int topK, int experts, int ep, String distribution, String seedText) {
        return routes(tokens, topK, experts, ep, distribution, seedText, LoadRepair.LARGEST_FIRST);
    }

    /** ... with the rounding repair of the collector version {@code repair}. */
    public static List<Routes> routes(long tokens, int topK, int experts, int ep, String distribution, String seedText, LoadRepair repair) {
        int local = Math.max(1, experts / Math.max(1, ep));
        if (distribution.equals("balanced")) {
            long[] mine = new long[local];
            long stride = (experts + topK - 1) / topK;
            java.util.BitSet seen = new java.util.BitSet(experts);
            long rank0 = 0;
            for (long i = 0; i < tokens; i++) {
                seen.clear();
                boolean ours = false;
                for (int j = 0; j < topK; j++) {
                    long e;
                    if (tokens >= stride) {
                        e = (i + j * stride) % experts;
                    } else {
                        double v = ((double) i * stride / tokens + j * stride) % experts;
                        e = (long) (float) v;
                    }
                    if (!seen.get((int) e)) {
                        seen.set((int) e);
                        if (e < local) {
                            mine[(int) e]++;
                            ours = true;
                        }
                    }
                }
                if (ours) {
                    rank0++;
                }
            }
            return List.of(new Routes(mine, rank0));
        }
        if (!distribution.startsWith("power_law_")) {
            throw new IllegalArgumentException("moe-layer: unknown distribution '" + distribution + "' (balanced or power_law_A)");
        }
        double alpha = Double.parseDouble(distribution.substring("power_law_".length()));
        long target = tokens * topK;
        double lo = target > experts ? 1 : 0.01;
        double hi = target > experts ? tokens * 0.8 : 2;
        List<Routes> out = new ArrayList<>();
        long seed = 0xcbf29ce484222325L;
        for (char c : ("moesim-moe-draws-v1|" + seedText).toCharArray()) {
            seed = (seed ^ c) * 0x100000001b3L;
        }
        for (int d = 0; d < DRAWS; d++) {
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed + d);
            double[] x = new double[experts];
            double sum = 0;
            double a1 = 1 - alpha;
            for (int i = 0; i < experts; i++) {
                double u = rnd.nextDouble();
                x[i] = Math.pow((Math.pow(hi, a1) - Math.pow(lo, a1)) * u + Math.pow(lo, a1), 1 / a1);
                sum += x[i];
            }
            long[] n = new long[experts];
            long cur = 0;
            for (int i = 0; i < experts; i++) {
                n[i] = (long) Math.rint(x[i] / sum * target);
                cur += n[i];
            }
            switch (repair) {
                case ROUND_ROBIN -> roundRobinRepair(n, local, tokens, target);
                case SMALLEST_FIRST -> smallestFirstRepair(n, tokens, target);
                case LARGEST_FIRST -> argsortRepair(n, target, cur);
            }
            int groups = Math.max(1, experts / local);
            int best = 0;
            long bestSum = -1;
            for (int g = 0; g < groups; g++) {
                long s = 0;
                for (int i = g * local; i < (g + 1) * local && i < experts; i++) {
                    s += n[i];
                }
                if (s > bestSum) {
                    bestSum = s;
                    best = g;
                }
            }
            out.add(new Routes(java.util.Arrays.copyOfRange(n, best * local, best * local + local), rank0Tokens(n, best, local, tokens)));
        }
        return out;
    }

    /**
     * The earlier collector's repair of the rounded loads to sum to tokens x top_k: experts in descending load
     * ({@code torch.argsort(descending=True)}, equal loads by id as CUDA's radix sort leaves them) take one more each
     * from the first, or give one back each from the last.
     */
    private static void argsortRepair(long[] n, long target, long cur) {
        int experts = n.length;
        Integer[] order = byDescendingLoad(n, e -> e);
        long delta = target - cur;
        for (long i = 0; i < delta; i++) {
            n[order[(int) (i % experts)]]++;
        }
        takeBackFromTheLast(n, order, -delta);
    }

    /**
     * The excess of both earlier repairs: one taken back from each expert in turn from the end of {@code order} (descending
     * load), cyclically, or from the most loaded (the first such) where that one is already at 0.
     */
    private static void takeBackFromTheLast(long[] n, Integer[] order, long count) {
        int experts = n.length;
        for (long i = 0; i < count; i++) {
            int e = order[experts - 1 - (int) (i % experts)];
            if (n[e] > 0) {
                n[e]--;
            } else {
                int m = 0;
                for (int q = 1; q < experts; q++) {
                    if (n[q] > n[m]) {
                        m = q;
                    }
                }
                n[m]--;
            }
        }
    }

    /**
     * The repair of the collector between the earliest and the current ({@code collector/helper.py},
     * {@code _generate_power_law_distribution} of the first expert-parallel SGLang collector): each load capped at the tokens
     * (an expert takes a token once), each unit over the cap given to the last expert in descending load (equal loads by id,
     * as CUDA's sort leaves them) still under it; then, in a fresh descending order, the shortfall dealt one each from the
     * last (least loaded) expert backwards, cyclically, to experts under the cap, or the excess taken one each from the last,
     * from the most loaded where that one is at 0. With few assignments every load rounds to 0 and they go to the experts
     * with the highest ids, one each: all on the last EP rank, which the swap then makes rank 0.
     */
    static void smallestFirstRepair(long[] n, long tokens, long target) {
        int experts = n.length;
        long over = capAtTokens(n, tokens);
        if (over > 0) {
            // each unit to the last expert still under the cap: the last ones filled up to it, one after another
            Integer[] order = byDescendingLoad(n, e -> e);
            for (int j = experts - 1; j >= 0 && over > 0; j--) {
                long add = Math.min(over, tokens - n[order[j]]);
                n[order[j]] += add;
                over -= add;
            }
        }
        long delta = target - java.util.Arrays.stream(n).sum();
        if (delta == 0) {
            return;
        }
        Integer[] order = byDescendingLoad(n, e -> e);
        if (delta > 0) {
            long added = 0;
            for (long i = 0; i < delta * experts && added < delta; i++) {
                int e = order[experts - 1 - (int) (i % experts)];
                if (n[e] < tokens) {
                    n[e]++;
                    added++;
                }
            }
        } else {
            takeBackFromTheLast(n, order, -delta);
        }
    }

    /** Caps each load at the tokens (an expert takes a token once), as both later repairs do; returns the assignments cut. */
    private static long capAtTokens(long[] n, long tokens) {
        long over = 0;
        for (int i = 0; i < n.length; i++) {
            if (n[i] > tokens) {
                over += n[i] - tokens;
                n[i] = tokens;
            }
        }
        return over;
    }

    /**
     * The current collector's repair (AIConfigurator {@code collector/helper.py}, {@code _generate_power_law_distribution} with
     * {@code _round_robin_adjust_per_rank}): each load is capped at the tokens (an expert takes a token once), and what the cap and
     * the rounding leave over or under is dealt one at a time to the EP ranks in turn, each giving it to its least loaded expert
     * under the cap (the first such, {@code torch.argmin}) or taking it back from its most loaded (the first, {@code torch.argmax}).
     * With few assignments every load rounds to 0 and the ranks take them one each, so rank 0 (the busiest after the swap) holds
     * ceil(assignments / ranks) of them, where the earlier repair gave every one to the first experts.
     */
    static void roundRobinRepair(long[] n, int local, long tokens, long target) {
        int ranks = Math.max(1, n.length / local);
        dealToRanks(n, local, ranks, capAtTokens(n, tokens), tokens, +1);
        long cur = java.util.Arrays.stream(n).sum();
        if (cur < target) {
            dealToRanks(n, local, ranks, target - cur, tokens, +1);
        } else if (cur > target) {
            dealToRanks(n, local, ranks, cur - target, tokens, -1);
        }
    }

    /** {@code _round_robin_adjust_per_rank}: {@code remaining} steps of +1 (to the first least loaded expert under {@code cap}) or -1 (from the first most loaded above 0), rank by rank. */
    private static void dealToRanks(long[] n, int local, int ranks, long remaining, long cap, int step) {
        while (remaining > 0) {
            boolean progressed = false;
            for (int r = 0; r < ranks && remaining > 0; r++) {
                int pick = -1;
                for (int i = r * local; i < (r + 1) * local; i++) {
                    boolean valid = step > 0 ? n[i] < cap : n[i] > 0;
                    if (valid && (pick < 0 || (step > 0 ? n[i] < n[pick] : n[i] > n[pick]))) {
                        pick = i;
                    }
                }
                if (pick >= 0) {
                    n[pick] += step;
                    remaining--;
                    progressed = true;
                }
            }
            if (!progressed) {
                return;
            }
        }
    }

    /**
     * The tokens of a power-law draw with an assignment to group {@code group} of {@code local} experts (rank 0's
     * after the collector's swap, so its experts come first among equal loads): experts by descending load, each
     * one's assignments consecutive in the column-major table, assignment i to token i mod tokens.
     */
    static long rank0Tokens(long[] n, int group, int local, long tokens) {
        // ids after the swap of the chosen group with group 0: the chosen group's experts get 0..local-1
        Integer[] order = byDescendingLoad(n, e -> e / local == group ? e - group * local : e / local == 0 ? e + group * local : e);
        java.util.BitSet covered = new java.util.BitSet((int) Math.min(Integer.MAX_VALUE, tokens));
        long at = 0;
        for (int e : order) {
            long len = n[e];
            if (e / local == group && len > 0) {
                long from = at % tokens;
                long to = from + Math.min(len, tokens);
                covered.set((int) from, (int) Math.min(to, tokens));
                if (to > tokens) {
                    covered.set(0, (int) (to - tokens));
                }
            }
            at += len;
        }
        return covered.cardinality();
    }

    /** Expert indices by descending load, equal loads by ascending {@code id} (the collector's sorts as CUDA leaves ties). */
    private static Integer[] byDescendingLoad(long[] n, java.util.function.IntUnaryOperator id) {
        Integer[] order = new Integer[n.length];
        for (int i = 0; i < n.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (p, q) -> n[p] != n[q] ? Long.compare(n[q], n[p]) : Integer.compare(id.applyAsInt(p), id.applyAsInt(q)));
        return order;
    }

    static Measurement measurement(DbRow r) {
        return new Measurement(r.op(), r.device(), r.gpu(), r.system(), r.us(), Double.NaN, Double.NaN, 0, Optional.empty(), "measured", r.source(),
                "", GpuEnvironment.named(r.device()), "", Split.CALIBRATION);
    }
}
