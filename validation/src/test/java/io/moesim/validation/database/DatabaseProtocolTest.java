package io.moesim.validation.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The out-of-sample protocol on the committed seeded sample ({@code traces/aiconfigurator}): no fit reads
 * a row it is tested on, a left-out GPU's or a left-out framework's row; and the out-of-sample errors stay
 * under pinned ceilings (set from the run of 2026-12-03 plus a margin; a model change that loses accuracy
 * fails here). The full tables run behind {@code -Dmoesim.database.full=DIR}.
 */
@Tag("slow")
class DatabaseProtocolTest {
    private static List<DbRow> rows;
    private static Map<String, DbFit.Result> fits;
    private static DbModel model;

    static Path sample() {
        Path p = Path.of("..", "traces", "aiconfigurator");
        return Files.isDirectory(p) ? p : Path.of("traces", "aiconfigurator");
    }

    @BeforeAll
    static void load() {
        String full = System.getProperty("moesim.database.full");
        rows = full == null || full.isBlank() ? DbTraces.read(sample()) : AicConverter.sample(AicConverter.readAll(Path.of(full)), AicConverter.TABLE_ROWS);
        model = new DbModel();
        fits = DbProtocol.fits(rows, model);
    }

    /** Every row the predicate selects, its latency times 50: a fit that read one would move. */
    private static List<DbRow> corrupt(java.util.function.Predicate<DbRow> which) {
        List<DbRow> out = new ArrayList<>();
        for (DbRow r : rows) {
            out.add(which.test(r) ? r.withUs(r.us() * 50) : r);
        }
        return out;
    }

    @Test
    void noFitReadsATestRowOrAnH200Row() {
        Map<String, DbFit.Result> again = DbProtocol.fits(corrupt(r -> r.split() == DbSplit.TEST || r.gpu().equals("h200")), new DbModel());
        for (String k : fits.keySet()) {
            assertEquals(fits.get(k).profile(), again.get(k).profile(), k);
        }
    }

    @Test
    void noFittedShareOfTheHbmIsBelowTheShareAMemoryBoundKernelReaches() {
        // the rule of DbFit.MIN_HBM_SHARE: a DRAM part fitted at under half the HBM is refitted as a rate per SM. vLLM's fp8 MoE
        // blocks (FlashInfer's CUTLASS grouped GEMM on its first, untuned tile) are the class that needs it: 0.204 of the HBM
        for (Map.Entry<String, DbFit.Result> e : fits.entrySet()) {
            e.getValue().profile().classes().forEach((cls, f) -> f.bandwidthFraction().ifPresent(b -> assertTrue(b >= DbFit.MIN_HBM_SHARE,
                    e.getKey() + " " + cls + ": a share of the HBM of " + b)));
        }
        io.moesim.hw.FrameworkProfile.ClassFigures vllm = fits.get("vllm").profile().figures("moe_fp8");
        assertTrue(vllm.bandwidthFraction().isEmpty() && vllm.engineGBps().isPresent(), "vLLM's moe_fp8 on a rate per SM: " + vllm);
        // a rate per SM that a few CTAs' loads reach, far under one SM's share of the HBM (3,350 GB/s over 132 SMs: 25 GB/s)
        assertTrue(vllm.engineGBps().getAsDouble() > 1 && vllm.engineGBps().getAsDouble() < 0.5 * 3350 / 132, vllm.toString());
    }

    @Test
    void noFitReadsItsLeftOutFramework() {
        // only the fits that must not see fw are made again (its own fit and the other leave-outs may read it)
        for (String fw : DbProtocol.FRAMEWORKS) {
            List<DbRow> corrupted = corrupt(r -> r.framework().equals(fw));
            DbModel fresh = new DbModel();
            assertEquals(fits.get("without-" + fw).profile(), DbProtocol.fit("without-" + fw, corrupted, fresh).profile(), fw);
            for (String other : DbProtocol.FRAMEWORKS) {
                if (!other.equals(fw)) {
                    assertEquals(fits.get(other).profile(), DbProtocol.fit(other, corrupted, fresh).profile(), other + " read " + fw);
                }
            }
        }
    }

    /**
     * MAPE ceilings over rows >= 20 us, per scenario and kind: regression guards at the measured figure plus a margin.
     * Run of 2026-12-03 22:28 UTC (issue 12, prefill attention's exposed_memory, the compute share searched with the
     * per-item time): attention-prefill, attention-decode and all at value + about a point (h100 12.9 / 19.2 / 16.3,
     * h200 14.9 / 21.7 / 18.3, leave-framework-out 27.6 / 23.0 / 26.1); moe from the run of 21:37 UTC (value + about
     * 3 points); the other kinds unchanged from the run of 16:13 UTC (value + about 5 points).
     * Run of 2026-12-04 02:35 UTC (TensorRT-LLM decode's per_head_ns): attention-decode and all at value + about a point
     * (h100 17.9 / 16.1, h200 20.0 / 18.0; leave-framework-out unchanged, 23.0 / 26.1).
     * Run of 2026-12-04 09:00 UTC (the amax pass as its own class at a DRAM rate per SM; prefill's GQA packing and its
     * DRAM part at a rate per SM): gemm-fp8, attention-prefill, quantize and all at value + about a point (h100 15.9 /
     * 10.8 / 6.5 / 15.0, h200 17.2 / 11.6 / 8.0 / 16.4, leave-framework-out 18.6 / 27.3 / 62.8 / 26.0); the other kinds
     * unchanged. Then (09:25 UTC, the frameworks' own all-reduce handing large messages to NCCL, NVLS from 4 GPUs):
     * custom-all-reduce and all at value + about a point (h100 11.9 / 14.9, h200 10.9 / 16.2, leave-framework-out 10.1 / 25.8).
     * Run of 2026-12-04 13:45 UTC (vLLM's and SGLang's fp8 GEMMs on their library's own tiles with no split of K,
     * {@code fp8_gemm_tiles}): gemm-fp8 and all at value + about a point (h100 13.5 / 14.5, h200 13.8 / 15.7);
     * leave-framework-out unchanged (18.6 / 25.8: the pooled profiles have no tile rule).
     * Run of 2026-12-04 13:55 UTC (TensorRT-LLM decode's MMHA fallback above its XQA group of 32 and for groups of 1,
     * fallback_GBps and fallback_item_ns): attention-decode at value + 1 point (h100 15.6, h200 17.5; leave-framework-out
     * unchanged, 23.0). Both merged (run of 14:15 UTC): all at value + about a point (h100 14.1, h200 15.4).
     * Run of 2026-12-04 14:30 UTC (vLLM's decode above FlashAttention's head dim 256 on its Triton 3D kernel,
     * wide_head_program_ns): attention-decode and all at value + about a point (h100 13.7 / 13.8, h200 15.4 / 15.0);
     * leave-framework-out unchanged (23.0 / 25.8: the pooled profiles are not offered the figure).
     * Run of 2026-12-04 14:16 UTC (branch s7-fp8gemm) (SGLang's fp8 GEMM with the per-token quantise its collector times, {@code
     * quantize_token}): gemm-fp8 at value + about a point (h100 13.4, h200 12.9); leave-framework-out unchanged (18.6: the
     * pooled profiles have no per-token quantise). Then (14:26 UTC, vLLM's fp8 GEMM with a time per token, gemm_fp8
     * {@code per_item_ns}): gemm-fp8 h100 11.2, h200 10.8; leave-framework-out unchanged (18.6 / 25.8).
     * All merged (run of 14:55 UTC): gemm-fp8, decode and all at value + about a point (h100 11.2 / 13.7 / 13.5, h200
     * 10.8 / 15.4 / 14.6); leave-framework-out unchanged.
     * Run of 2026-12-04 18:40 UTC (session 9: a whole prompt of one token runs the context kernel, so TensorRT-LLM's, vLLM's
     * and SGLang's context-table rows at isl 1 are prefill rows, and TensorRT-LLM's context FMHA never packs query groups,
     * {@code packs_gqa}): attention-prefill, attention-decode and all at value + about a point (h100 11.6 / 12.5 / 13.5,
     * h200 12.2 / 14.2 / 14.5, leave-framework-out 28.1 / 21.9 / 25.8). Then (19:20 UTC, vLLM's prefill above head dim 256
     * on its Triton kernel's own compute share, {@code wide_head_matrix_efficiency}): attention-prefill and all at value + about
     * a point (h100 10.5 / 13.2, h200 11.0 / 14.3); leave-framework-out unchanged (the pooled profiles are not offered it).
     * Run of 2026-12-04 21:00 UTC (session 10: NCCL's protocols fitted on the nccl-tests calibration rows, {@link NcclFit}): nccl
     * and all at value + about a point (h100 8.9 / 12.5, h200 10.0 / 13.5; the nccl kind was 38.1 / 37.4 on the link model).
     * Then (21:40 UTC, the frameworks' own all-reduce hands its messages above a fitted size to that library, no NCCL figures of
     * its own): custom-all-reduce at value + about a point (h100 10.9, h200 9.9; leave-framework-out 11.1, ceiling kept).
     * Run of 2026-12-05 00:15 UTC (session 11: SGLang's collector times an expert-parallel MoE row as rank 0's own tokens,
     * {@link DbModel#RANK0_WORKLOAD_FRAMEWORKS}): moe at value + about 1.5 points (h100 19.8, h200 22.2). Leave-framework-out
     * moe rises 35.2 -> 40.6 and all 25.9 -> 27.2, both ceilings raised (42.0 / 28.5): TensorRT-LLM's CUTLASS MoE rows
     * predicted from the pooled vLLM + SGLang fit go 36.4 -> 52.8% as the pooled slot-buffer figures now describe SGLang's
     * rank-0 rows (SGLang and vLLM left out unchanged, 30.5 / 40.3).
     * Run of 2026-12-05 01:30 UTC (session 12: TensorRT-LLM's MMHA fallback computes on the CUDA cores, not on padded matrix
     * tiles, {@link io.moesim.sim.kernel.FrameworkCost.AttentionKernel}; the fallback's time per CTA searched with its rate):
     * attention-decode and all at value + about a point (h100 10.7 / 12.0, h200 12.4 / 13.2); leave-framework-out unchanged
     * (21.9 / 27.2: the pooled profiles have no fallback kernel).
     * Run of 2026-12-05 01:10 UTC (TensorRT-LLM's and vLLM's power-law MoE rows drawn by the current collector's round-robin
     * repair, {@link DbModel#ROUND_ROBIN_FRAMEWORKS}): moe at value + about 1.5 points (h100 19.3, h200 21.8); all h100 11.9,
     * h200 13.1 (ceilings kept); leave-framework-out moe 40.5 (ceiling kept).
     * Run of 2026-12-05 02:20 UTC (session 13: TensorRT-LLM's XQA splits each (sequence, KV head)'s keys over CTAs in
     * multi-block mode, {@link io.moesim.sim.kernel.XqaMultiBlock}, chosen by its decode calibration rows, 12.4 -> 10.8%):
     * attention-decode and all at value + about a point (h100 10.2 / 11.8, h200 11.5 / 12.9); leave-framework-out unchanged
     * (21.9 / 27.1: the pooled profiles run no XQA).
     * Run of 2026-12-05 04:50 UTC (session 14: a fused MoE block's slot pass chosen and fitted per precision, moe_slots for bf16
     * blocks and moe_fp8_slots for fp8 ones, as vLLM runs Triton's fused_moe for the one and FlashInfer's CUTLASS MoE for the
     * other; moe fitted on bf16 rows only in every framework's own profile): moe at value + about 1.5 points (h100 17.7, h200
     * 20.4), all at value + about a point (h100 11.5, h200 12.6); leave-framework-out unchanged (40.5 / 27.1: the pooled
     * profiles keep one slot pass).
     * Run of 2026-12-05 05:05 UTC (the committed sample regenerated with today's converter, which takes a one-token prompt as a
     * context row since session 9: 21-27 attention rows per file change, and every fit with them): attention-prefill at value
     * + about a point (h100 11.8, h200 11.9; were 10.5 / 11.0); decode (10.5 / 11.7) and all (11.8 / 12.8) under their ceilings.
     * Then (05:20 UTC) TensorRT-LLM's non-gated MoE shapes read as such (gated=false from the table's kernel_source: an up and a
     * down matrix per expert), the sample regenerated again (their op text, so their hash, changed): moe at value + about 1.5
     * points (h100 16.7, h200 19.3; on the same sample with every block SwiGLU, 18.2 / 21.0); all 11.6 / 12.6 (ceilings kept);
     * leave-framework-out moe 43.1 (46.4 on the same sample with every block SwiGLU, 40.5 on the sample before), ceiling raised
     * to 44.5; all 27.9 (ceiling kept).
     * Run of 2026-12-05 06:50 UTC (vLLM's computescale rows as its dynamic per-token kernel, ALL_ROWS_CEILINGS): quantize h100
     * 6.5 -> 6.6, h200 8.0 -> 7.7, leave-framework-out 62.8 -> 62.2; moe 16.7 -> 16.8 / 19.3 -> 19.2 (vLLM's fp8 MoE refitted
     * with its new amax figures); every ceiling kept.
     * Run of 2026-12-05 09:20 UTC (session 16: vLLM's fp8 MoE on FlashInfer's untuned 128x16 tile, fp8_moe_tiles, and vLLM's
     * Nemotron-3 rows non-gated, the sample regenerated): moe 16.8 -> 16.3 (h100), 19.2 -> 19.0 (h200), ceilings lowered to
     * 17.8 / 20.5; leave-framework-out moe 43.3 -> 43.9 (the pooled fits on the non-gated rows), ceiling raised to 45.0.
     * Run of 2026-12-05 11:55 UTC (session 17: vLLM's bf16 blocks write the first GEMM's zero rows for the other GPUs'
     * slots, {@link DbModel#ZERO_ROW_FRAMEWORKS}): moe 16.3 -> 16.1 (h100), 19.0 -> 18.7 (h200); leave-framework-out moe 43.6
     * (ceiling kept). Run of 12:10 UTC (CUTLASS MoE's finalize as the fp8 blocks' unpermute, {@link
     * DbModel#FINALIZE_FP8_FRAMEWORKS}): moe 16.1 -> 15.6 (h100), 18.7 -> 18.4 (h200), ceilings lowered to 17.1 / 19.9;
     * leave-framework-out 43.6.
     * Run of 2026-12-05 13:55 UTC (session 18: SGLang's bf16 blocks on Triton's default tile, {@code moe_tiles}: each expert's
     * rows padded to BLOCK_SIZE_M, a CTA's walk of K from DRAM a floor above half the L2): moe 15.6 -> 14.4 (h100), 18.4 ->
     * 15.8 (h200), ceilings lowered to 15.9 / 17.3; leave-framework-out 43.6 (pooled fits have no tile rule), ceiling kept. Run
     * of 14:55 UTC (vLLM's bf16 blocks on the same tile): moe 13.8 (h100), 15.8 (h200), 43.6; ceilings 15.3 / 17.3 / 45.0.
     * Run of 2026-12-05 16:40 UTC (session 19: SGLang's and vLLM's Triton blocks write zero rows for, and run their activation
     * over, every slot on another GPU, {@link DbModel#ZERO_ROW_FRAMEWORKS}): moe 13.2 (h100), 14.9 (h200), 41.4; ceilings
     * 14.7 / 16.4 / 45.0.
     * Run of 2026-12-05 21:00 UTC (session 21: SGLang's power-law rows drawn by the collector version that drew them, whose
     * repair deals the rounding remainder to the least loaded experts, {@link DbModel#SMALLEST_FIRST_FRAMEWORKS}): moe 13.2 ->
     * 12.1 (h100), 14.7 -> 13.7 (h200), 41.3 -> 40.5; ceilings 13.6 / 15.2 / 42.0.
     * Run of 2026-12-06 02:40 UTC (session 23: Triton's fused MoE on a width not a multiple of 16, its down GEMM slowed,
     * {@link io.moesim.hw.MoeTileRule#unalignedWidth}): moe 12.1 -> 11.3 (h100), 13.6 -> 13.0 (h200), 40.5 (left out, the
     * pooled fits have no tile); ceilings 12.8 / 14.5 / 42.0.
     * Run of 2026-12-06 05:30 UTC (session 24: NCCL's NVLS with a base latency of its own, {@link io.moesim.hw.NcclModel#nvlsBaseUs}):
     * custom-all-reduce 10.9 -> 6.2 (h100), 9.9 -> 7.5 (h200), 11.1 -> 8.3 (left out); nccl 8.9 -> 8.1, 10.0 -> 9.1; ceilings
     * 7.5 / 8.8 / 9.5 and 9.3 / 10.3.
     * Run of 2026-12-06 07:30 UTC (session 25: SGLang's static cast rows as the four eager PyTorch kernels its collector
     * times, {@link DbModel#EAGER_CAST_FRAMEWORKS}): quantize 6.6 -> 8.0 (h100), 7.7 -> 8.8 (h200), 62.2 -> 24.0 (left out),
     * ceilings 9.0 / 9.8 / 25.0 (the first two raised: SGLang's own fit, two figures either way, bends less to its mid-size
     * rows); leave-framework-out gemm-fp8 19.2 -> 18.6 and all 27.3 -> 25.0, ceilings 20.0 / 26.0.
     * Run of 2026-12-06 13:00 UTC (session 27: the quantise kernels' L2 in the harness, {@link io.moesim.hw.FrameworkProfile.QuantizeL2}, in
     * each framework's own profile; vLLM's launch of one CTA per token row, {@link io.moesim.hw.FrameworkProfile.QuantizeCtas}): quantize
     * 8.0 -> 4.8 (h100), 8.8 -> 6.0 (h200), 24.0 (left out: the pooled profiles fit neither); ceilings 5.8 / 7.0.
     * Run of 2026-12-06 15:20 UTC (session 28: TensorRT-LLM's MMHA fallback split over each pair's keys in multi-block mode, by
     * waves of one CTA per SM, {@link io.moesim.sim.kernel.MmhaMultiBlock}, {@code fallback_split_wave_ns}): attention-decode
     * 10.5 -> 10.0 (h100), 11.7 -> 10.6 (h200), 21.6 (left out: the pooled profiles have no fallback kernel); ceilings 11.0 / 11.6.
     * Then (16:25 UTC, FlashAttention-3's varlen scheduler walking the batch 31 sequences a step in vLLM's and SGLang's decode,
     * {@code varlen_scan_step_ns}): attention-decode 10.0 -> 9.5 (h100), 10.6 -> 9.7 (h200), 21.6 (left out); ceilings 10.5 / 10.7.
     * Run of 2026-12-06 22:30 UTC (session 31: an fp8 MoE block's input quantised as the call's tokens, before the permute,
     * DbModel#moePieces): moe 11.4 -> 11.3 (h100), 13.0 -> 13.2 (h200), 40.5 -> 40.7 (left out); ceilings kept.
     * Run of 2026-12-07 01:10 UTC (session 32: a class whose fitted HBM share is under {@link DbFit#MIN_HBM_SHARE} refitted with a
     * DRAM rate per SM, vLLM's {@code moe_fp8} 0.204 of the HBM -> 4.618 GB/s per SM; a fused MoE block's items on every SM,
     * {@code FrameworkCost.items(Op, List, ProcessorSpec)}): moe 11.3 (h100), 13.2 -> 12.5 (h200; vLLM's fp8 blocks 17.1 -> 10.0),
     * 40.7 (left out); ceiling 13.5 (h200).
     * Run of 2026-12-07 20:25 UTC (session 40: decode attention on an fp8 KV cache, 200 rows per GPU and framework, its own class
     * {@code attention_decode_fp8_kv}, fitted on its H100 calibration rows, its math fp8 on the fp8 cache): attention-decode-fp8-kv
     * 10.3 (h100), 13.4 (h200), 45.1 (left out); on the 16-bit cache's figures, before the class, 23.8 / 26.8 / 36.9; ceilings at
     * value + 1. No other kind moved; the "all" figures now hold these rows: h100 9.8 -> 9.9, h200 10.4 -> 10.7 (ceilings kept),
     * left out 25.1 -> 27.1 (ceiling 26.0 -> 28.0).
     * Run of 2026-12-08 00:45 UTC (session 42: FlashAttention-3's fp8 decode, vLLM's and SGLang's, on a DRAM rate per SM, its V
     * tiles transposed in the kernel, {@link DbFit#fitsEngineRate}): attention-decode-fp8-kv 10.3 (h100), 13.4 -> 11.6 (h200),
     * 45.1 (left out: a pooled profile keeps the share; 47.3 while the pool of vLLM's and SGLang's rows took their rate to
     * TensorRT-LLM's XQA rows); ceiling h200 14.4 -> 12.6; "all" h200 10.7 -> 10.6 (ceilings kept).
     */
    private static final Map<String, Map<String, Double>> CEILINGS = Map.of(
            "h100-heldback", Map.of("gemm-bf16", 12.0, "gemm-fp8", 12.2, "attention-prefill", 12.8, "attention-decode", 10.5, "moe", 12.8,
                    "quantize", 5.8, "custom-all-reduce", 7.5, "nccl", 9.3, "all", 12.5, DbRow.DECODE_FP8_KV, 11.3),
            "h200-from-h100", Map.of("gemm-bf16", 14.0, "gemm-fp8", 11.8, "attention-prefill", 12.9, "attention-decode", 10.7, "moe", 13.5,
                    "quantize", 7.0, "custom-all-reduce", 8.8, "nccl", 10.3, "all", 13.6, DbRow.DECODE_FP8_KV, 12.6),
            "leave-framework-out", Map.of("gemm-bf16", 14.0, "gemm-fp8", 20.0, "attention-prefill", 29.1, "attention-decode", 23.0, "moe", 42.0,
                    "quantize", 25.0, "custom-all-reduce", 9.5, "all", 28.0, DbRow.DECODE_FP8_KV, 46.1));

    /**
     * MAPE ceilings over every row (the second measure beside rows >= 20 us), per scenario and kind: regression guards
     * at the measured figure plus about a point. Run of 2026-12-05 06:50 UTC (session 15: vLLM's computescale rows read as its
     * dynamic per-token kernel, AicConverter): h100 decode 11.3, prefill 11.6, custom all-reduce 9.2, bf16 GEMM 9.0, fp8 GEMM
     * 9.9, moe 17.2, nccl 10.0, quantize 10.6 (18.0 with the difference rows), all 11.4; h200 11.9 / 11.7 / 9.7 / 10.3 / 10.1 /
     * 19.2 / 11.9 / 7.1 (11.1) / 11.6; leave-framework-out 19.0 / 25.8 / 25.9 / 10.5 / 30.5 / 43.4 / - / 50.5 (64.5) / 29.9.
     * Run of 2026-12-05 09:20 UTC (session 16, see CEILINGS): moe 17.2 -> 16.8 (h100), 19.2 -> 19.0 (h200), 43.4 -> 44.0
     * (leave-framework-out); ceilings 17.8 / 20.0 / 45.0, the rest kept. Run of 2026-12-05 11:55 UTC (session 17, see
     * CEILINGS): moe 16.8 -> 16.5 (h100), 19.0 -> 18.7 (h200), 44.0 -> 43.7 (leave-framework-out); then 16.1 / 18.4 / 43.7
     * with the fp8 blocks' finalize; ceilings 17.4 / 19.7 / 45.0. Run of 13:55 UTC (session 18, SGLang's Triton tile, see
     * CEILINGS): moe 14.7 (h100), 15.8 (h200), 43.7 (leave-framework-out); ceilings 16.2 / 17.3 / 45.0; with vLLM's bf16 blocks
     * on the tile (14:55 UTC) 14.1 / 15.8 / 43.7, ceilings 15.6 / 17.3 / 45.0. Run of 16:40 UTC (session 19, the Triton
     * blocks' zero rows and activation over other GPUs' slots, see CEILINGS): 13.4 / 14.9 / 41.5, ceilings 14.9 / 16.4 / 45.0.
     * Run of 21:00 UTC (session 21, SGLang's collector's repair, see CEILINGS): 12.2 / 13.7 / 40.6, ceilings 13.7 / 15.2 / 42.1.
     * Run of 2026-12-06 02:40 UTC (session 23, the unaligned width, see CEILINGS): 11.4 / 13.0 / 40.6, ceilings 12.9 / 14.5 / 42.1.
     * Run of 05:30 UTC (session 24, NVLS's own latency, see CEILINGS): custom all-reduce 9.2 -> 7.0 (h100), 9.7 -> 8.2 (h200),
     * 25.9 -> 24.8 (left out), nccl 10.0 -> 9.7 (h100), 11.9 -> 11.5 (h200); ceilings 8.2 / 9.4 / 26.0 and 10.9 / 12.7.
     * Run of 2026-12-06 07:30 UTC (session 25, SGLang's eager cast, see CEILINGS): quantize 10.6 -> 10.8 (h100), 7.1 -> 7.3
     * (h200), 50.5 -> 30.6 (left out); leave-framework-out gemm-fp8 30.5 -> 30.0, all 29.4 -> 26.2; ceilings kept but the
     * left-out quantize and all, 31.6 / 27.2.
     * Run of 2026-12-06 10:00 UTC (session 26: NCCL's all-to-all on LL up to 16 KiB per peer and Simple above, its LL
     * figures its own, {@link io.moesim.hw.NcclModel#P2P_LL_THRESHOLD_BYTES}; NVLS from 3 GPUs, NCCL's rule, in place of a
     * search): nccl 9.7 -> 7.6 (h100), 11.5 -> 8.8 (h200); ceilings 8.6 / 9.8. On rows >= 20 us nccl went 8.1 -> 8.9 and
     * 9.1 -> 9.5 (the Simple ring's base, 22.2 -> 17.8 us, refitted without the all-to-all rows in LL), under the ceilings.
     * Run of 2026-12-06 13:00 UTC (session 27, the quantise kernels' L2 and vLLM's one CTA per token row, see CEILINGS):
     * quantize 10.8 -> 5.1 (h100), 7.3 -> 5.7 (h200), 30.6 (left out); all 10.4 -> 9.5, 10.5 -> 10.2; ceilings 6.1 / 6.7.
     * Run of 2026-12-06 15:20 UTC (session 28, the MMHA fallback's multi-block split, see CEILINGS): attention-decode 11.3 -> 10.9
     * (h100), 11.9 -> 11.1 (h200), 19.0 (left out); ceilings 11.9 / 12.1. Then (16:25 UTC, FlashAttention-3's walk of the batch):
     * 10.9 -> 10.7 (h100), 11.1 -> 10.7 (h200); ceilings 11.7 / 11.7.
     * Run of 2026-12-07 01:10 UTC (session 32, vLLM's fp8 MoE on a DRAM rate per SM, see CEILINGS): moe 13.2 -> 12.5 (h200); ceiling 13.5.
     * Run of 2026-12-07 20:25 UTC (session 40, decode on an fp8 KV cache, see CEILINGS): attention-decode-fp8-kv 11.2 (h100), 12.9
     * (h200), 40.4 (left out); 23.9 / 25.9 / 33.4 before its class; ceilings at value + 1; "all" h100 9.4 -> 9.6, h200 10.0 -> 10.4
     * (ceilings kept), left out 26.2 -> 28.3 (ceiling 27.2 -> 29.2).
     * Run of 2026-12-08 00:45 UTC (session 42, FlashAttention-3's fp8 decode on a rate per SM, see CEILINGS):
     * attention-decode-fp8-kv 11.2 -> 11.1 (h100), 12.9 -> 12.0 (h200), 40.4 (left out); ceiling h200 13.9 -> 13.0.
     */
    private static final Map<String, Map<String, Double>> ALL_ROWS_CEILINGS = Map.of(
            "h100-heldback", Map.of("gemm-bf16", 10.0, "gemm-fp8", 11.0, "attention-prefill", 12.6, "attention-decode", 11.7, "moe", 12.9,
                    "quantize", 6.1, "custom-all-reduce", 8.2, "nccl", 8.6, "all", 12.4, DbRow.DECODE_FP8_KV, 12.2),
            "h200-from-h100", Map.of("gemm-bf16", 11.3, "gemm-fp8", 11.1, "attention-prefill", 12.7, "attention-decode", 11.7, "moe", 13.5,
                    "quantize", 6.7, "custom-all-reduce", 9.4, "nccl", 9.8, "all", 12.6, DbRow.DECODE_FP8_KV, 13.0),
            "leave-framework-out", Map.of("gemm-bf16", 11.5, "gemm-fp8", 31.5, "attention-prefill", 26.8, "attention-decode", 20.0, "moe", 42.1,
                    "quantize", 31.6, "custom-all-reduce", 26.0, "all", 29.2, DbRow.DECODE_FP8_KV, 41.4));

    /**
     * The measured scenario: our own H200 kernel times ({@code traces/measured}, CUDA-graph rows) on the TensorRT-LLM
     * H100 fit's kernel figures; no fit reads them. Run of 2026-12-04 16:05 UTC, ceilings at value + about 1.3 points
     * (matmul-bf16 9.7, matmul-fp8 13.6, grouped-matmul 17.1, attention-decode 27.2, attention-prefill 37.6, memcpy 17.4,
     * all 16.6); a repeat of the whole measurement on the same machine moved rows >= 20 us by 2.4% on average.
     * Run of 2026-12-05 01:30 UTC (TensorRT-LLM's MMHA fallback on the CUDA cores): attention-decode 27.0 -> 25.9, ceiling 27.2.
     * Run of 2026-12-05 02:20 UTC (session 13: TensorRT-LLM's decode refitted with XQA's multi-block split, which the kernel
     * figures keep): attention-decode 25.9 -> 27.1, ceiling raised to 28.4 (value + 1.3). These are PyTorch SDPA rows, not
     * XQA; the refit's higher bandwidth share (0.966 -> 1.025) makes their long-KV rows faster, and they were already fast.
     * Run of 2026-12-05 04:50 UTC (session 14: TensorRT-LLM's moe figures fitted on its bf16 rows alone): grouped-matmul 16.3 ->
     * 15.6, ceiling lowered to 17.0. Run of 2026-12-05 05:05 UTC (the sample regenerated, TensorRT-LLM's decode refitted on it:
     * compute share 0.401 -> 0.654, 2585 -> 2799 ns per CTA): attention-decode 27.1 -> 28.9, ceiling raised to 30.2 (value + 1.3).
     * Run of 2026-12-05 19:25 UTC (session 20: TensorRT-LLM's bf16 MoE on its autotuned CUTLASS tile, whole shorter part exposed,
     * compute share 0.634 -> 0.838; PyTorch's grouped GEMMs priced on that tile too): grouped-matmul 15.4 -> 17.6 (signed -9.2 ->
     * -1.4), ceiling raised to 18.9 (value + 1.3).
     */
    private static final Map<String, Double> MEASURED_CEILINGS = Map.of("matmul-bf16", 11.0, "matmul-fp8", 15.0, "grouped-matmul", 18.9,
            "attention-decode", 30.2, "attention-prefill", 39.0, "memcpy", 18.5, "all", 18.0);

    static Path measured() {
        Path p = Path.of("..", "traces", "measured");
        return Files.isDirectory(p) ? p : Path.of("traces", "measured");
    }

    @Test
    void outOfSampleErrorsStayUnderTheirCeilings() {
        if (System.getProperty("moesim.database.full") != null) {
            return; // the ceilings are the sample's
        }
        // the fits of load(), which the protocol would make again from the same rows
        DbProtocol.Report r = DbProtocol.run(rows, "sample", List.of(), io.moesim.validation.trace.TraceReader.read(measured()), model, fits);
        assertTrue(r.scenarios().stream().anyMatch(s -> s.name().equals("measured")), "the measured scenario runs");
        for (DbProtocol.Scenario s : r.scenarios()) {
            if (s.name().equals("measured")) {
                for (DbProtocol.Stats st : s.byKind()) {
                    Double max = MEASURED_CEILINGS.get(st.kind());
                    assertTrue(max != null, "a ceiling for measured " + st.kind());
                    assertTrue(st.mape20Pct() <= max, "measured " + st.kind() + ": MAPE >= 20 us " + st.mape20Pct() + "% above its ceiling " + max + "%");
                    if (!st.kind().equals("memcpy")) { // a copy has no profile figure: both predictions are the copy model's
                        assertTrue(st.mape20Pct() < st.idealMape20Pct(), "measured " + st.kind() + ": the fit must beat the kernel model alone");
                    }
                }
                continue;
            }
            Map<String, Double> c = CEILINGS.get(s.name());
            for (DbProtocol.Stats st : s.byKind()) {
                Double max = c.get(st.kind());
                if (max != null) {
                    assertTrue(st.mape20Pct() <= max, s.name() + " " + st.kind() + ": MAPE >= 20 us " + st.mape20Pct() + "% above its ceiling " + max + "%");
                }
                Double maxAll = ALL_ROWS_CEILINGS.get(s.name()).get(st.kind());
                if (maxAll != null) {
                    assertTrue(st.mapePct() <= maxAll, s.name() + " " + st.kind() + ": MAPE over all rows " + st.mapePct() + "% above its ceiling " + maxAll + "%");
                }
                // NCCL rows too: the fitted library against the link model
                assertTrue(st.mapePct() < st.idealMapePct(), s.name() + " " + st.kind() + ": the profile must beat the kernel model alone");
            }
        }
    }

    /**
     * SGLang's static cast rows are explained without a fit: as the four eager PyTorch kernels its collector launches
     * ({@link DbModel#EAGER_CAST_FRAMEWORKS}), the kernel model alone on the datasheet target times its H100 held-back rows
     * >= 20 us to 10.4% (run of 2026-12-06 07:30 UTC; read as one fused cast, 3 bytes an element, it was 5-7x too fast),
     * and its H200 rows, which no fit reads, to 12.1%. Left out, the pooled fit of TensorRT-LLM and vLLM (whose casts are
     * their fused kernels) predicts them to 22.0% (was 88.2%).
     */
    @Test
    void sglangsEagerCastNeedsNoFit() {
        if (System.getProperty("moesim.database.full") != null) {
            return; // the figures are the sample's
        }
        DbProtocol.Report r = DbProtocol.run(rows, "sample", List.of(), List.of(), model, fits);
        Map<String, Double> idealCeiling = Map.of("h100-heldback", 11.5, "h200-from-h100", 13.2);
        for (DbProtocol.Scenario s : r.scenarios()) {
            DbProtocol.Stats st = s.byFramework().getOrDefault("sglang", List.of()).stream().filter(x -> x.kind().equals("quantize")).findFirst().orElse(null);
            if (st == null) {
                continue;
            }
            if (idealCeiling.containsKey(s.name())) {
                assertTrue(st.idealMape20Pct() <= idealCeiling.get(s.name()), s.name() + ": SGLang's casts on the kernel model alone " + st.idealMape20Pct());
            }
            if (s.name().equals("leave-framework-out")) {
                assertTrue(st.mape20Pct() <= 23.0, "SGLang's casts from the other frameworks' fit " + st.mape20Pct());
            }
        }
    }

    /**
     * FlashAttention-3's own prefill rows (traces/published: its paper's Figure 5, 35 rows) are timed on the kernel figures of the
     * fit pooled over vLLM and SGLang, the frameworks that run that kernel for prefill on Hopper (TensorRT-LLM runs its own
     * context kernel); PyTorch's SDPA rows (FlashAttention-2) and every other published row stay on TensorRT-LLM's. By a second
     * computation: a FlashAttention-3 row's prediction is the pooled profile's, and differs from TensorRT-LLM's. Run of
     * 2026-12-06 05:50 UTC (session 24): published attention-prefill 64.1 -> 11.1% (the kernel model alone 12.1%), ceiling 12.5.
     */
    @Test
    void flashAttention3RowsRunOnTheFrameworksThatRunIt() {
        List<io.moesim.validation.trace.Measurement> published = io.moesim.validation.trace.TraceReader.read(
                io.moesim.validation.Validation.publishedSet(Path.of("..")));
        List<io.moesim.validation.trace.Measurement> fa3 = published.stream().filter(DbProtocol::runsFlashAttention3).toList();
        assertEquals(35, fa3.size(), "FlashAttention-3's Figure 5 rows");
        for (io.moesim.validation.trace.Measurement m : io.moesim.validation.trace.TraceReader.read(measured())) {
            assertTrue(!DbProtocol.runsFlashAttention3(m), "a PyTorch SDPA row is FlashAttention-2: " + m.op().text());
        }
        DbProtocol.Report r = DbProtocol.run(rows, "sample", published, List.of(), model, fits);
        DbProtocol.Scenario pub = r.scenarios().stream().filter(s -> s.name().equals("published")).findFirst().orElseThrow();
        DbProtocol.Stats prefill = pub.byKind().stream().filter(st -> st.kind().equals("attention-prefill")).findFirst().orElseThrow();
        assertTrue(prefill.mape20Pct() <= 12.5, "published FlashAttention-3 prefill MAPE " + prefill.mape20Pct());
        io.moesim.hw.DeviceSpec h100 = io.moesim.hw.Targets.load("h100");
        io.moesim.validation.trace.Measurement row = fa3.get(0);
        double pooled = new io.moesim.validation.compare.KernelPredictor().withProfile(fits.get("without-trtllm").profile().kernelsOnly())
                .predict(row, h100).us();
        double trt = new io.moesim.validation.compare.KernelPredictor().withProfile(fits.get("trtllm").profile().kernelsOnly()).predict(row, h100).us();
        assertTrue(Math.abs(pooled - trt) > 0.05 * trt, "the two fits differ on this row: " + pooled + " vs " + trt);
        DbProtocol.Scored scored = pub.rows().stream().filter(x -> x.op().equals(row.op().text())).findFirst().orElseThrow();
        assertEquals(pooled, scored.predictedUs(), 1e-9 * pooled);
    }

    /**
     * The scored rows ({@code validate --database --residuals}) are what each scenario's figures are computed from: a
     * second computation of every kind's MAPE (rows >= 20 us and all rows) and row counts from the rows alone matches the
     * table; each scenario holds only its own split and GPU; the in-sample rows are exactly the H100 calibration rows; and
     * the TSV has one line per row with the error recomputed from its two times.
     */
    @Test
    void scoredRowsAreWhatTheFiguresAreComputedFrom() {
        DbProtocol.Report r = DbProtocol.run(rows, "sample", List.of(), io.moesim.validation.trace.TraceReader.read(measured()), model, fits);
        int lines = 0;
        for (DbProtocol.Scenario s : r.scenarios()) {
            lines += s.rows().size();
            Map<String, List<DbProtocol.Scored>> byKind = new java.util.TreeMap<>();
            for (DbProtocol.Scored x : s.rows()) {
                byKind.computeIfAbsent(x.kind(), k -> new ArrayList<>()).add(x);
                byKind.computeIfAbsent("all", k -> new ArrayList<>()).add(x);
                assertEquals(s.name(), x.scenario());
                if (s.name().equals("h100-heldback") || s.name().equals("h200-from-h100")) {
                    assertEquals("TEST", x.split(), x.op());
                    assertEquals(s.name().startsWith("h100") ? "h100" : "h200", x.gpu(), x.op());
                }
                if (s.name().equals("leave-framework-out")) {
                    assertEquals("TEST", x.split(), x.op());
                }
            }
            for (DbProtocol.Stats st : s.byKind()) {
                List<DbProtocol.Scored> xs = byKind.get(st.kind());
                assertEquals(st.rows(), xs.size(), s.name() + " " + st.kind());
                double all = 0;
                double big = 0;
                int n20 = 0;
                for (DbProtocol.Scored x : xs) {
                    double e = Math.abs(x.predictedUs() - x.measuredUs()) / x.measuredUs();
                    all += e;
                    if (x.measuredUs() >= 20) {
                        big += e;
                        n20++;
                    }
                }
                assertEquals(st.rows20(), n20, s.name() + " " + st.kind());
                assertEquals(st.mapePct(), Math.round(all / xs.size() * 1000) / 10.0, 1e-9, s.name() + " " + st.kind());
                if (n20 > 0) {
                    assertEquals(st.mape20Pct(), Math.round(big / n20 * 1000) / 10.0, 1e-9, s.name() + " " + st.kind());
                }
            }
        }
        // the in-sample rows: every H100 calibration row of a fitted framework (and of NCCL) that the model predicts, nothing else
        List<DbProtocol.Scored> in = r.calibration().stream().filter(x -> x.scenario().equals(DbProtocol.IN_SAMPLE)).toList();
        long h100Cal = rows.stream().filter(x -> x.gpu().equals("h100") && x.split() == DbSplit.CALIBRATION).count();
        assertTrue(in.size() > 0.95 * h100Cal && in.size() <= h100Cal, in.size() + " of " + h100Cal);
        assertTrue(in.stream().allMatch(x -> x.gpu().equals("h100") && x.split().equals("CALIBRATION")));
        assertTrue(r.calibration().stream().filter(x -> !x.scenario().equals(DbProtocol.IN_SAMPLE))
                .allMatch(x -> x.scenario().equals(DbProtocol.H200_CALIBRATION) && x.gpu().equals("h200") && x.split().equals("CALIBRATION")));
        lines += r.calibration().size();
        List<String> tsv = DbReports.residualsTsv(r).lines().toList();
        assertEquals(1 + lines, tsv.size());
        assertEquals(String.join("\t", DbReports.RESIDUAL_COLUMNS), tsv.get(0));
        for (String line : tsv.subList(1, tsv.size())) {
            String[] c = line.split("\t", -1);
            assertEquals(DbReports.RESIDUAL_COLUMNS.size(), c.length, line);
            double m = Double.parseDouble(c[6]);
            double p = Double.parseDouble(c[7]);
            assertEquals((p - m) / m * 100, Double.parseDouble(c[8]), 0.006 + 0.0006 / m * 100 * Math.max(1, p / m), line);
        }
    }
}
