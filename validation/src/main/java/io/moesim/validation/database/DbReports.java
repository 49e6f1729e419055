package io.moesim.validation.database;

import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.NcclModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The protocol's report as JSON-ready maps, text table rows, and the fitted profiles as YAML. */
public final class DbReports {
    public static final List<String> HEADER = List.of("scenario", "kind", "rows", "MAPE %", "signed %", "rows>=20us", "MAPE>=20us %", "signed>=20us %",
            "ideal MAPE %", "ideal MAPE>=20us %");

    private DbReports() {
    }

    public static List<List<String>> table(DbProtocol.Report r) {
        List<List<String>> out = new ArrayList<>();
        for (DbProtocol.Scenario s : r.scenarios()) {
            for (DbProtocol.Stats st : s.byKind()) {
                out.add(List.of(s.name(), st.kind(), String.valueOf(st.rows()), f(st.mapePct()), f(st.signedPct()), String.valueOf(st.rows20()), f(st.mape20Pct()),
                        f(st.signed20Pct()), f(st.idealMapePct()), f(st.idealMape20Pct())));
            }
        }
        return out;
    }

    private static String f(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** The columns of {@link #residualsTsv}. */
    public static final List<String> RESIDUAL_COLUMNS = List.of("scenario", "framework", "gpu", "split", "kind", "op", "measured_us", "predicted_us",
            "error_pct", "ideal_us", "pieces");

    /**
     * Every row the protocol scored, one line each ({@link DbProtocol.Scored}): each scenario's rows in its order, then the
     * calibration rows ({@link DbProtocol.Report#calibration}); tab-separated with a header ({@link #RESIDUAL_COLUMNS}),
     * times in us to 3 decimals, the error in % to 2, the pieces as {@link #pieces} writes them.
     */
    public static String residualsTsv(DbProtocol.Report r) {
        StringBuilder sb = new StringBuilder(String.join("\t", RESIDUAL_COLUMNS)).append('\n');
        List<DbProtocol.Scored> all = new ArrayList<>();
        r.scenarios().forEach(s -> all.addAll(s.rows()));
        all.addAll(r.calibration());
        for (DbProtocol.Scored x : all) {
            sb.append(String.format(Locale.ROOT, "%s\t%s\t%s\t%s\t%s\t%s\t%.3f\t%.3f\t%.2f\t%.3f\t%s%n", x.scenario(), x.framework(), x.gpu(), x.split(),
                    x.kind(), x.op(), x.measuredUs(), x.predictedUs(), x.errorPct(), x.idealUs(), pieces(x.pieces(), x.profile())));
        }
        return sb.toString();
    }

    /**
     * A row's kernel-model pieces ({@link DbModel#pieces}), each as {@code class:t=..,l=..,c=..,m=..,i=..,us=..,b=..,g=..,e=..;}: the
     * kernel model's total, launch, compute and DRAM parts (us), its items, the piece's time under {@code p} (us, 0 where the
     * profile does not run it), its DRAM bytes, KV group and engines. Empty where the model has no pieces for the row.
     */
    static String pieces(List<DbModel.Piece> ps, FrameworkProfile p) {
        if (ps == null) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        for (DbModel.Piece x : ps) {
            s.append(String.format(Locale.ROOT, "%s:t=%.2f,l=%.2f,c=%.2f,m=%.2f,i=%.0f,us=%.2f,b=%.0f,g=%.0f,e=%d;", x.cls(), x.total() * 1e6, x.launch() * 1e6,
                    x.compute() * 1e6, x.memory() * 1e6, x.items(), x.seconds(p) * 1e6, x.bytes(), x.kvGroup(), x.engines()));
        }
        return s.toString();
    }

    public static Map<String, Object> toJson(DbProtocol.Report r) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("source", r.source());
        j.put("rows", r.rows());
        j.put("split", "test when FNV-1a(" + DbSplit.SEED + "|op) mod 10 < 3 (shape only: the same shapes on every GPU and framework)");
        Map<String, Object> fits = new LinkedHashMap<>();
        r.fits().forEach((k, v) -> {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("profile", profileMap(v.profile()));
            f.put("rows_per_class", v.rowsPerClass());
            Map<String, Object> m = new LinkedHashMap<>();
            v.calibrationMapePct().forEach((c, x) -> m.put(c, Math.round(x * 10) / 10.0));
            f.put("calibration_mape_pct", m);
            fits.put(k, f);
        });
        j.put("fits", fits);
        List<Object> sc = new ArrayList<>();
        for (DbProtocol.Scenario s : r.scenarios()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("description", s.description());
            m.put("by_kind", stats(s.byKind()));
            Map<String, Object> fw = new LinkedHashMap<>();
            s.byFramework().forEach((k, v) -> fw.put(k, stats(v)));
            m.put("by_framework", fw);
            sc.add(m);
        }
        j.put("scenarios", sc);
        Map<String, Object> transfer = new LinkedHashMap<>();
        GpuTransfer.byKind(r).forEach((k, v) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pairs", v.pairs());
            m.put("measured_ratio", nan(round(v.measuredRatio(), 1000)));
            m.put("model_ratio", nan(round(v.modelRatio(), 1000)));
            m.put("ratio_error_pct", nan(round(v.ratioErrorPct(), 10)));
            transfer.put(k, m);
        });
        j.put("h200_over_h100", transfer);
        return j;
    }

    /** {@code v} to the nearest 1 / {@code per}; NaN stays NaN (Math.round would make it 0). */
    private static double round(double v, double per) {
        return Double.isFinite(v) ? Math.round(v * per) / per : v;
    }

    private static Map<String, Object> stats(List<DbProtocol.Stats> l) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (DbProtocol.Stats s : l) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rows", s.rows());
            m.put("mape_pct", nan(s.mapePct()));
            m.put("signed_pct", nan(s.signedPct()));
            m.put("rows_ge_20us", s.rows20());
            m.put("mape_ge_20us_pct", nan(s.mape20Pct()));
            m.put("signed_ge_20us_pct", nan(s.signed20Pct()));
            m.put("ideal_mape_pct", nan(s.idealMapePct()));
            m.put("ideal_mape_ge_20us_pct", nan(s.idealMape20Pct()));
            out.put(s.kind(), m);
        }
        return out;
    }

    private static Object nan(double v) {
        return Double.isNaN(v) ? null : v;
    }

    static Map<String, Object> profileMap(FrameworkProfile p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        Map<String, Object> cs = new LinkedHashMap<>();
        p.classes().forEach((k, v) -> {
            Map<String, Object> c = new LinkedHashMap<>();
            v.callOverheadUs().ifPresent(x -> c.put("call_overhead_us", x));
            v.matrixEfficiency().ifPresent(x -> c.put("matrix_efficiency", x));
            v.bandwidthFraction().ifPresent(x -> c.put("bandwidth_fraction", x));
            v.perItemNs().ifPresent(x -> c.put("per_item_ns", x));
            v.maxKvGroup().ifPresent(x -> c.put("max_kv_group", x));
            v.exposedMemory().ifPresent(x -> c.put("exposed_memory", x));
            v.perHeadNs().ifPresent(x -> c.put("per_head_ns", x));
            v.engineGBps().ifPresent(x -> c.put("engine_GBps", x));
            v.fallbackGBps().ifPresent(x -> c.put("fallback_GBps", x));
            v.fallbackItemNs().ifPresent(x -> c.put("fallback_item_ns", x));
            v.fallbackSplitWaveNs().ifPresent(x -> c.put("fallback_split_wave_ns", x));
            v.varlenScanStepNs().ifPresent(x -> c.put("varlen_scan_step_ns", x));
            v.wideHeadProgramNs().ifPresent(x -> c.put("wide_head_program_ns", x));
            v.packsGqa().ifPresent(x -> c.put("packs_gqa", x));
            v.xqaMultiBlock().ifPresent(x -> c.put("xqa_multi_block", x));
            v.wideHeadMatrixEfficiency().ifPresent(x -> c.put("wide_head_matrix_efficiency", x));
            cs.put(k, c);
        });
        m.put("classes", cs);
        m.put("fp8_activation_quantize", p.fp8QuantizesActivation());
        p.fp8GemmTiles().ifPresent(t -> m.put("fp8_gemm_tiles", tiles(t)));
        p.fp8MoeTiles().ifPresent(t -> m.put("fp8_moe_tiles", tiles(t)));
        p.moeTiles().ifPresent(t -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("rule", t.rule().id());
            c.put("k_step_ns", t.kStepNs());
            c.put("l2_share", t.l2Share());
            if (t.unalignedDownSlowdown() != 1) {
                c.put("unaligned_down_slowdown", t.unalignedDownSlowdown());
            }
            m.put("moe_tiles", c);
        });
        p.quantizeCtas().ifPresent(q -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("rule", q.rule().id());
            c.put("cta_ns", q.ctaNs());
            c.put("cta_stream_GBps", q.ctaStreamGBps());
            m.put("quantize_ctas", c);
        });
        p.quantizeL2().ifPresent(q -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("l2_share", q.l2Share());
            c.put("l2_GBps", q.l2GBps());
            m.put("quantize_l2", c);
        });
        p.customAllReduce().ifPresent(a -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("call_overhead_us", a.callOverheadUs());
            c.put("bandwidth_fraction", a.bandwidthFraction());
            c.put("one_shot_max_bytes", a.oneShotMaxBytes());
            if (a.hasNccl()) {
                c.put("nccl_above_bytes", a.ncclAboveBytes());
            }
            if (a.hasOwnNcclFigures()) {
                c.put("nccl_call_overhead_us", a.ncclCallOverheadUs());
                c.put("nccl_bandwidth_fraction", a.ncclBandwidthFraction());
                c.put("nvls_min_group", a.nvlsMinGroup());
            } else if (a.hasNccl()) {
                // the keys stay (users' scripts read them): null, the collective library times NCCL's part
                c.put("nccl_call_overhead_us", null);
                c.put("nccl_bandwidth_fraction", null);
                c.put("nvls_min_group", null);
            }
            m.put("custom_all_reduce", c);
        });
        p.collectives().ifPresent(n -> m.put("collectives", ncclMap(n)));
        return m;
    }

    /** A collective library's figures, as JSON. */
    static Map<String, Object> ncclMap(NcclModel n) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", n.id());
        c.put("ll", protocolMap(n.ll(), true));
        c.put("simple", protocolMap(n.simple(), true));
        Map<String, Object> nv = new LinkedHashMap<>();
        nv.put("bandwidth_fraction", n.nvlsFraction());
        nv.put("min_group", n.nvlsMinGroup());
        nv.put("base_us", n.nvlsBaseUs());
        c.put("nvls", nv);
        c.put("p2p", protocolMap(n.p2p(), false));
        c.put("p2p_ll", protocolMap(n.p2pLl(), false));
        return c;
    }

    private static Map<String, Object> protocolMap(NcclModel.Protocol p, boolean steps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("base_us", p.baseUs());
        if (steps) {
            m.put("step_us", p.stepUs());
        }
        m.put("bandwidth_fraction", p.bandwidthFraction());
        return m;
    }

    /** NCCL's fitted figures as the YAML of {@code collectives/<id>.yaml}, each figure citing the fit. */
    public static String ncclYaml(DbFit.Result fit, String source) {
        NcclModel n = fit.profile().collectives().orElseThrow(() -> new io.moesim.ir.MoesimException(
                "--collectives-out: no collective library was fitted (the database has no nccl rows in its H100 calibration split)"));
        String src = String.format(Locale.ROOT, "fitted: moesim validate --database, %d H100 calibration rows of nccl-tests (%s; calibration MAPE %.1f%%)",
                fit.rowsPerClass().getOrDefault("collectives", 0), source, fit.calibrationMapePct().getOrDefault("collectives", Double.NaN));
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(n.name()).append(" inside one NVSwitch node, as measured by nccl-tests in NVIDIA AIConfigurator's kernel database\n");
        sb.append("# (traces/aiconfigurator/README.md). Written by: bin/moesim validate --database --collectives-out hw-models/src/main/resources/collectives\n");
        sb.append("# The model (io.moesim.hw.NcclModel): each protocol a base latency per call, a latency per ring step and a share of the\n");
        sb.append("# link rate; NCCL runs the protocol of least time (its tuner, src/graph/tuning.cc), except for grouped send/receive, which\n");
        String llLimit = Math.round(NcclModel.P2P_LL_THRESHOLD_BYTES / 1024) + " KiB";
        sb.append("# runs LL up to ").append(llLimit).append(" per peer and Simple above (src/enqueue.cc). Fitted on the H100 calibration split only.\n");
        sb.append("name: ").append(n.name()).append('\n');
        sb.append("description: \"NCCL's protocols on NVLink 4 through NVSwitch (H100/H200 HGX), fitted by moesim validate --database\"\n");
        protocolYaml(sb, "ll", "LL: 8-byte lines of 4 bytes of data and a 4-byte flag, for small messages", n.ll(), true, src);
        protocolYaml(sb, "simple", "Simple: bulk copies through FIFO buffers, for large messages", n.simple(), true, src);
        sb.append("nvls:  # NVLink SHARP all-reduce (the switch reduces and multicasts), where quicker than the Simple ring\n");
        figure(sb, "  ", "base_us", n.nvlsBaseUs(), src);
        figure(sb, "  ", "bandwidth_fraction", n.nvlsFraction(), src);
        if (n.nvlsMinGroup() > 0) {
            figure(sb, "  ", "min_group", n.nvlsMinGroup(), NcclFit.NVLS_MIN_GROUP_SOURCE);
        }
        protocolYaml(sb, "p2p", "grouped send/receive (all-to-all) on Simple: sends above " + llLimit + " per peer, the bytes each GPU sends", n.p2p(), false, src);
        if (!n.p2pLl().equals(NcclModel.llForP2p(n.ll()))) {
            // figures of its own; without the key a library takes the ring LL's (no calibration row ran grouped send/receive on LL)
            protocolYaml(sb, "p2p_ll", "grouped send/receive on LL: sends of at most " + llLimit + " per peer (NCCL_P2P_LL_THRESHOLD), one peer's bytes",
                    n.p2pLl(), false, src);
        }
        return sb.toString();
    }

    private static void protocolYaml(StringBuilder sb, String key, String what, NcclModel.Protocol p, boolean steps, String src) {
        sb.append(key).append(":  # ").append(what).append('\n');
        if (p.baseUs() > 0) {
            figure(sb, "  ", "base_us", p.baseUs(), src);
        } else {
            sb.append("  # no base_us: the rows resolve no latency per call (0)\n");
        }
        if (steps && p.stepUs() > 0) {
            figure(sb, "  ", "step_us", p.stepUs(), src);
        } else if (steps) {
            sb.append("  # no step_us: the rows resolve no latency per step (0)\n");
        }
        figure(sb, "  ", "bandwidth_fraction", p.bandwidthFraction(), src);
    }

    /** A profile fitted by the protocol as the YAML of {@code frameworks/<id>.yaml}, each figure citing the fit. */
    public static String yaml(FrameworkProfile p, DbFit.Result fit, String source) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(p.name()).append(" as measured in NVIDIA AIConfigurator's kernel database (traces/aiconfigurator/README.md).\n");
        sb.append("# Written by: bin/moesim validate --database --profiles-out hw-models/src/main/resources/frameworks\n");
        sb.append("# Fitted on the H100 calibration split only (").append(source).append("); each class on its own rows, see docs/validation.md.\n");
        sb.append("name: ").append(p.name()).append('\n');
        sb.append("description: \"Per-call costs and kernel shares of ").append(p.name())
                .append(" on Hopper, fitted by moesim validate --database (H100 calibration split)\"\n");
        sb.append("classes:\n");
        p.classes().forEach((k, v) -> {
            String src = k.equals(FrameworkProfile.QUANTIZE_TOKEN)
                    ? String.format(Locale.ROOT, "fitted: moesim validate --database, %d H100 fp8 GEMM calibration rows of %s (%s), with the gemm_fp8 figures: "
                            + "the per-token quantise its collector times before each fp8 GEMM (github.com/ai-dynamo/aiconfigurator "
                            + "collector/sglang/collect_gemm.py: sgl_per_token_quant_fp8, then fp8_scaled_mm)", fit.rowsPerClass().getOrDefault("gemm_fp8", 0), p.id(), source)
                    : String.format(Locale.ROOT, "fitted: moesim validate --database, %d H100 calibration rows of %s (%s)", fit.rowsPerClass().getOrDefault(k, 0),
                    p.id(), source);
            sb.append("  ").append(k).append(":\n");
            v.callOverheadUs().ifPresent(x -> figure(sb, "    ", "call_overhead_us", x, src));
            v.matrixEfficiency().ifPresent(x -> figure(sb, "    ", "matrix_efficiency", x, src));
            v.bandwidthFraction().ifPresent(x -> figure(sb, "    ", "bandwidth_fraction", x, src));
            v.perItemNs().ifPresent(x -> figure(sb, "    ", "per_item_ns", x, src));
            v.maxKvGroup().ifPresent(x -> figure(sb, "    ", "max_kv_group", x, src));
            v.exposedMemory().ifPresent(x -> figure(sb, "    ", "exposed_memory", x, src));
            v.perHeadNs().ifPresent(x -> figure(sb, "    ", "per_head_ns", x, src));
            v.engineGBps().ifPresent(x -> figure(sb, "    ", "engine_GBps", x, DbFit.ENGINE_RATE_CLASSES.contains(k) ? src
                    : k.equals(FrameworkProfile.ATTENTION_DECODE_FP8_KV) && DbFit.FA3_DECODE_FRAMEWORKS.contains(p.id()) ? src + "; a DRAM rate per SM, not a share of the HBM: "
                            + "FlashAttention-3's fp8 decode transposes each V tile in the kernel (DbFit.fitsEngineRate)"
                    : src + "; a DRAM rate per SM, not a share of the HBM: the share fitted was under DbFit.MIN_HBM_SHARE " + DbFit.MIN_HBM_SHARE));
            v.fallbackGBps().ifPresent(x -> figure(sb, "    ", "fallback_GBps", x, src + "; groups above max_kv_group run the MMHA fallback, one CTA per "
                    + "(query head, sequence): TensorRT-LLM's XQA takes query groups up to 32 (supportConfigQGMMA/HMMA, cpp/tensorrt_llm/kernels/"
                    + "decoderMaskedMultiheadAttention/decoderXQAImplJIT/kernelUtils.cpp), MMHA's grid is (num_heads, batch_size, seq_len_tile) "
                    + "(decoderMaskedMultiheadAttentionLaunch.h, mmha_launch_kernel_ex)"));
            v.fallbackItemNs().ifPresent(x -> figure(sb, "    ", "fallback_item_ns", x, src + "; per CTA of the MMHA fallback, which also runs groups of 1 "
                    + "(supportConfigCommon refuses plain MHA at beam width 1, same file); its compute part is the op's FLOPs on the CUDA cores, not "
                    + "matrix tiles: each thread block loops over its head's keys with FMA dot products, with HMMA off (MMHA_USE_HMMA_FOR_REDUCTION "
                    + "undefined; NVIDIA/FasterTransformer src/fastertransformer/kernels/decoder_masked_multihead_attention.cu, the kernel's origin)"));
            v.fallbackSplitWaveNs().ifPresent(x -> figure(sb, "    ", "fallback_split_wave_ns", x, src + "; per wave of the MMHA fallback's CTAs in "
                    + "multi-block mode, in place of fallback_item_ns: each (sequence, query head)'s keys over divUp(SMs, pairs) CTAs of 1024 threads, at "
                    + "most one loop of 8 keys per thread group each, where the pairs are fewer than the SMs (mmha_launch_kernel_ex and "
                    + "multi_block_grid_setup, decoderMaskedMultiheadAttentionLaunch.h; AttentionOp::getMaxNumSeqLenTile), one CTA per SM, each "
                    + "wave's DRAM time the longer of its share of the HBM's and one CTA's bytes at fallback_GBps (io.moesim.sim.kernel.MmhaMultiBlock)"));
            v.varlenScanStepNs().ifPresent(x -> figure(sb, "    ", "varlen_scan_step_ns", x, src + "; per step of FlashAttention-3's varlen "
                    + "persistent tile scheduler's walk of the batch, 31 sequences a step (VarlenDynamicPersistentTileScheduler::tile_idx_to_work_tile, "
                    + "hopper/tile_scheduler.hpp, github.com/Dao-AILab/flash-attention: one CTA per SM, each tile found by walking the sequences from "
                    + "the CTA's last position, bidb += NumThreadsPerWarp - 1), so a decode of b sequences pays ceil(b / 31) steps; head dims up to "
                    + "256 (FlashAttention's)"));
            v.wideHeadProgramNs().ifPresent(x -> figure(sb, "    ", "wide_head_program_ns", x, src + "; per program of vLLM's Triton unified attention "
                    + "3D kernel, which head dims above FlashAttention's 256 run (get_supported_head_sizes, vllm/attention/backends/flash_attn.py): "
                    + "batch x kv_heads x NUM_PAR_SOFTMAX_SEGMENTS (16) programs for batches up to MIN_LAUNCH_GRID_SIZE_2D (128) / kv_heads "
                    + "(vllm/v1/attention/backends/triton_attn.py)"));
            v.packsGqa().ifPresent(x -> flag(sb, "    ", "packs_gqa", x, "fitted: whichever explains the " + p.id() + " H100 prefill calibration rows "
                    + "better, packed where FlashAttention-3 packs or never; never: TensorRT-LLM's context FMHA (fmha_v2) loads Q in tiles one head wide "
                    + "(FusedMHARunnerV2::setSeparateQKvTmaDescriptors and setPackedQkvTmaDescriptors, Q box of q_step tokens x 1 head, cpp/tensorrt_llm/"
                    + "kernels/contextFusedMultiHeadAttention/fmhaRunner.cpp), so each CTA serves one query head"));
            v.xqaMultiBlock().ifPresent(x -> flag(sb, "    ", "xqa_multi_block", x, "fitted: whichever explains the " + p.id() + " H100 decode calibration "
                    + "rows better, XQA splitting each (sequence, KV head)'s keys over CTAs in multi-block mode or one CTA per pair; split: "
                    + "computeMultiBlockCount (cpp/tensorrt_llm/kernels/decoderMaskedMultiheadAttention/decoderXQAImplCommon.h: past keys / "
                    + "kMinHistoryTokensPerBlock (128), at most round(sqrt(8 x that)), shrunk to kTargetWaveFactor (8) waves over the SMs, at most "
                    + "6000 / batch), so its CTAs, each paying per_item_ns and per_head_ns, are the pairs times the split"));
            v.wideHeadMatrixEfficiency().ifPresent(x -> figure(sb, "    ", "wide_head_matrix_efficiency", x, src + "; the compute share of vLLM's "
                    + "Triton unified attention, which head dims above FlashAttention's 256 run (get_supported_head_sizes, "
                    + "vllm/attention/backends/flash_attn.py), in place of matrix_efficiency for those rows"));
        });
        sb.append(String.format(Locale.ROOT, "fp8_activation_quantize: {value: %s, source: \"fitted: whichever explains the %s H100 fp8 GEMM calibration rows better\"}\n",
                p.fp8QuantizesActivation(), p.id()));
        p.fp8GemmTiles().ifPresent(t -> tiles(sb, "fp8_gemm_tiles", t, "# the library's own fp8 GEMM tile for the shape, no split of K, kept because it "
                + "explains the fp8 GEMM calibration\n# rows better than the kernel model's fastest tile and split.", "fp8 GEMM", "gemm_fp8", fit, p, source));
        p.fp8MoeTiles().ifPresent(t -> tiles(sb, "fp8_moe_tiles", t, "# the tile of the fused fp8 MoE blocks' grouped GEMMs in the kernel database's "
                + "harness, no split of K, kept because it\n# explains the fp8 MoE calibration rows better than the kernel model's fastest tile; applied "
                + "to the database's rows\n# only, not in simulate (a serving engine autotunes).", "fp8 MoE", "moe_fp8", fit, p, source));
        p.moeTiles().ifPresent(t -> {
            String src = String.format(Locale.ROOT, "fitted: moesim validate --database, %d H100 bf16 MoE calibration rows of %s (%s), with the moe figures",
                    fit.rowsPerClass().getOrDefault("moe", 0), p.id(), source);
            sb.append("# the tile of the bf16 fused MoE blocks' expert GEMMs (each expert's rows padded to it; a CTA's walk of K from DRAM a\n")
                    .append("# floor, except where the harness finds the call's bytes in L2), kept because it explains the bf16 MoE calibration\n")
                    .append("# rows better than the kernel model's fastest tile; applied in the database and in simulate. Rule: ").append(t.rule().source()).append('\n')
                    .append("moe_tiles:\n  rule: ").append(t.rule().id()).append('\n')
                    .append(String.format(Locale.ROOT, "  k_step_ns: {value: %s, source: \"%s\"}\n", num(t.kStepNs()), src))
                    .append(String.format(Locale.ROOT, "  l2_share: {value: %s, source: \"%s; of the datasheet L2 (l2_cache_MB)\"}\n", num(t.l2Share()), src));
            if (t.unalignedDownSlowdown() != 1) {
                sb.append(String.format(Locale.ROOT, "  unaligned_down_slowdown: {value: %s, source: \"%s; the down GEMM of a block whose width on the GPU is not a "
                        + "multiple of 16 (MoeTileRule.unalignedWidth)\"}\n", num(t.unalignedDownSlowdown()), src));
            }
        });
        // the two quantise sections' figures: fitted with both quantise classes on their calibration rows (DbFit.fitQuantize)
        String quantSrc = String.format(Locale.ROOT, "fitted: moesim validate --database, %d H100 quantise calibration rows of %s (%s), with the quantize and "
                + "quantize_amax figures", fit.rowsPerClass().getOrDefault("quantize", 0) + fit.rowsPerClass().getOrDefault("quantize_amax", 0), p.id(), source);
        p.quantizeCtas().ifPresent(q -> {
            sb.append("# the quantise kernels' launch of one CTA per token row, in waves of one per SM: each CTA's fixed time plus its row's bytes\n")
                    .append("# at one CTA's streaming rate, a floor on the kernel's DRAM part; kept because it explains the quantise calibration\n")
                    .append("# rows better than the streaming kernel alone; applied in the database and in simulate. Rule: ").append(q.rule().source()).append('\n')
                    .append("quantize_ctas:\n  rule: ").append(q.rule().id()).append('\n');
            figure(sb, "  ", "cta_ns", q.ctaNs(), quantSrc);
            figure(sb, "  ", "cta_stream_GBps", q.ctaStreamGBps(), quantSrc);
        });
        p.quantizeL2().ifPresent(q -> {
            sb.append("# the quantise kernels in the kernel database's harness, which times the same call again and again: a kernel whose\n")
                    .append("# bytes fit in l2_share of the datasheet L2 finds them there and streams them at l2_GBps; kept because it explains\n")
                    .append("# the quantise calibration rows better than the DRAM share alone; applied to the database's rows only, not in simulate\n")
                    .append("quantize_l2:\n");
            figure(sb, "  ", "l2_share", q.l2Share(), quantSrc + "; of the datasheet L2 (l2_cache_MB)");
            figure(sb, "  ", "l2_GBps", q.l2GBps(), quantSrc);
        });
        p.collectives().ifPresent(n -> sb.append("# the collective library the framework calls for its collectives (NCCL; its own all-reduce above excepted)\n")
                .append("collectives: ").append(n.id()).append('\n'));
        p.customAllReduce().ifPresent(a -> {
            String src = String.format(Locale.ROOT, "fitted: moesim validate --database, %d H100 calibration rows of %s's own all-reduce (%s)",
                    fit.rowsPerClass().getOrDefault("custom_all_reduce", 0), p.id(), source);
            sb.append("custom_all_reduce:\n");
            figure(sb, "  ", "call_overhead_us", a.callOverheadUs(), src);
            figure(sb, "  ", "bandwidth_fraction", a.bandwidthFraction(), src);
            figure(sb, "  ", "one_shot_max_bytes", a.oneShotMaxBytes(), src);
            if (a.hasNccl() && !a.hasOwnNcclFigures()) {
                figure(sb, "  ", "nccl_above_bytes", a.ncclAboveBytes(), src + "; messages above it go to NCCL, timed by the collective library "
                        + "(collectives: nccl, fitted on nccl-tests rows)");
            }
            if (a.hasOwnNcclFigures()) {
                figure(sb, "  ", "nccl_above_bytes", a.ncclAboveBytes(), src);
                figure(sb, "  ", "nccl_call_overhead_us", a.ncclCallOverheadUs(), src);
                figure(sb, "  ", "nccl_bandwidth_fraction", a.ncclBandwidthFraction(), src);
                if (a.nvlsMinGroup() > 0) {
                    figure(sb, "  ", "nvls_min_group", a.nvlsMinGroup(), src);
                }
            }
        });
        return sb.toString();
    }

    private static void figure(StringBuilder sb, String indent, String key, double v, String src) {
        sb.append(indent).append(key).append(": {value: ").append(num(v)).append(", source: \"").append(src).append("\"}\n");
    }

    private static void flag(StringBuilder sb, String indent, String key, boolean v, String src) {
        sb.append(indent).append(key).append(": {value: ").append(v).append(", source: \"").append(src).append("\"}\n");
    }

    private static String num(double v) {
        String s = String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "");
        return s.endsWith(".") ? s + "0" : s;
    }

    /** A tiles section of the JSON report: the rule and the per-SM operand rate. */
    private static Map<String, Object> tiles(FrameworkProfile.Fp8GemmTiles t) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("rule", t.rule().id());
        c.put("cta_stream_GBps", t.ctaStreamGBps());
        return c;
    }

    /** A tiles section of a written profile ({@code key}), with why it is kept, the rule's source and the rate's provenance. */
    private static void tiles(StringBuilder sb, String key, FrameworkProfile.Fp8GemmTiles t, String why, String rowsName, String cls, DbFit.Result fit,
            FrameworkProfile p, String source) {
        sb.append(why).append(" Rule: ").append(t.rule().source()).append('\n');
        sb.append(key).append(":\n");
        sb.append("  rule: ").append(t.rule().id()).append('\n');
        figure(sb, "  ", "cta_stream_GBps", t.ctaStreamGBps(), String.format(Locale.ROOT, "fitted: moesim validate --database, %d H100 %s calibration rows of %s (%s), with the %s figures",
                fit.rowsPerClass().getOrDefault(cls, 0), rowsName, p.id(), source, cls));
    }
}
