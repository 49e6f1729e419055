package io.moesim.validation.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Regression guards on the published serving set (docs/serving-validation.md): ceilings at or above the
 * figures measured when they were pinned, so that a change that makes serving predictions worse fails.
 * The small vLLM rows (seconds) and the engine no figure was fitted on (about a minute) run always; the whole set (about 3 minutes on 2 cores) runs with
 * {@code -Dmoesim.serving.full=true}, and H200's rows at figures fitted on H100's alone (about 13 minutes) with
 * {@code -Dmoesim.serving.leaveGpuOut=true}.
 */
class ServingCeilingTest {
    private static List<ServingRow> published() {
        return ServingSet.read(ServingSet.published(Path.of("..")));
    }

    private static double mape(ServingReport r) {
        return r.mapePct(ServingReport.Row::throughputErrorPct).orElseThrow();
    }

    /**
     * vLLM's batch-8 latency rows: measured 2026-12-03 at -1.9% and -7.3% after the prefill-attention refit (-1.5% and -7.1% before), with the engine
     * fit giving vLLM no per-iteration cost (calibration rows of the engine fit). 2026-12-04: the two H100 rows of build 9555 added (Llama-3-70B
     * TP 4 -22.3%, held back; Mixtral-8x7B TP 2 -1.9%, calibration): 4 rows, MAPE 8.4%.
     * 2026-12-05 (session 14, vLLM's MoE refitted per precision, its engine refitted to 484.6 us per iteration): 4 rows, MAPE 5.4%
     * (Llama-3-70B H100 -17.3%).
     * 2026-12-06 (session 29, vLLM's engine refitted to 1626.4 us per iteration after the op-level changes of sessions 15-28, which had
     * left these rows 11.0% fast without engine costs): 4 rows, MAPE 2.4% (+1.6, +1.5, -2.8, -3.5%); the same with the LM head on the
     * sampled rows and vLLM's engine refitted to 1626.8 us (batch-8 prompts of 32 tokens: nothing moves).
     */
    @Test
    void vllmLatencyRows() {
        List<ServingRow> rows = published().stream().filter(r -> r.framework().equals("vllm")).toList();
        assertEquals(4, rows.size());
        ServingReport r = ServingValidation.run(rows, "published", null);
        assertEquals(4, r.rows().stream().filter(ServingReport.Row::predicted).count());
        assertTrue(mape(r) <= 3.5, "vLLM rows throughput MAPE " + mape(r));
    }

    /**
     * H200's 48 rows at every serving figure fitted on H100's calibration rows alone (docs/serving-validation.md, "Session 36";
     * about 13 minutes on 2 cores, so behind its own flag {@code -Dmoesim.serving.leaveGpuOut=true}). Measured 2026-12-07:
     * throughput 3.9%, TTFT 7.3%, TPOT 11.8%, every row predicted; ceilings about a point above. Session 38: 4.1 / 7.4 / 12.4%;
     * session 39 (the driver's memory): 4.0 / 7.4 / 12.4%; session 40 (fp8 cache, static scales, bf16 activations): 3.7 / 7.4 / 12.4%.
     */
    @Test
    @EnabledIfSystemProperty(named = "moesim.serving.leaveGpuOut", matches = "true")
    void h200FromAnH100Fit() {
        ServingValidation.GpuLeftOut g = ServingValidation.leaveGpuOut(published(), "published", "h200", null, null, null);
        ServingReport r = g.leftOut();
        assertEquals(48, r.rows().size());
        assertEquals(48, r.rows().stream().filter(ServingReport.Row::predicted).count());
        assertTrue(mape(r) <= 4.9, "H200 from H100 throughput MAPE " + mape(r));
        double ttft = r.mapePct(ServingReport.Row::ttftErrorPct).orElseThrow();
        double tpot = r.mapePct(ServingReport.Row::tpotErrorPct).orElseThrow();
        assertTrue(ttft <= 8.3, "H200 from H100 TTFT MAPE " + ttft);
        assertTrue(tpot <= 12.8, "H200 from H100 TPOT MAPE " + tpot);
    }

    /**
     * TensorRT-LLM's v1.0 and v0.20 throughput tables (PyTorch backend), which no serving figure was fitted on (the engine's
     * figures are v0.17's TensorRT engines'; docs/serving-validation.md, "Session 37"): 153 rows in about a minute. Measured
     * 2026-12-07: v1.0's first, blind run predicted 49 of its 58 rows at 14.9% (the nine others refused by the memory plan);
     * with the fullest-device KV sizing every row runs, v1.0's 58 at 13.7% (bias -10.0%); v0.20's 95, first run after the
     * sizing, 9.5% (bias -6.0%). Ceilings about a point above. Session 38 (the vocabulary's tables split over the ranks, both
     * tables in bf16, the serving figures refitted on the calibration rows of the main set): v1.0 13.9%, v0.20 10.6%. The v0.20
     * ceiling raised 10.5 -> 11.6 for that mechanism (its one-GPU 70B rows on H100 lose 2.1 GB of KV to the bf16 tables).
     * Session 39 (the pools sized from the driver's total, refitted): v1.0 13.9%, v0.20 9.4%; ceilings kept.
     * Session 40 (decode on an fp8 cache on its own figures, TensorRT-LLM's static activation scales, an fp8 model's activations
     * held in bf16, refitted): v1.0 9.95%, v0.20 7.3%; ceilings lowered 14.7 -> 11.0 and 11.6 -> 8.3.
     */
    @Test
    void anEngineNoFigureWasFittedOn() {
        ServingReport r = ServingValidation.run(ServingSet.read(ServingSet.engineLeftOut(Path.of(".."))), "engine-left-out", null);
        assertEquals(153, r.rows().size());
        assertEquals(153, r.rows().stream().filter(ServingReport.Row::predicted).count());
        ServingReport v10 = new ServingReport("1.0", r.costModel(), r.rows().stream().filter(x -> x.row().frameworkVersion().equals("1.0")).toList());
        ServingReport v020 = new ServingReport("0.20", r.costModel(), r.rows().stream().filter(x -> x.row().frameworkVersion().equals("0.20")).toList());
        assertEquals(58, v10.rows().size());
        assertTrue(mape(v10) <= 11.0, "v1.0 throughput MAPE " + mape(v10));
        assertTrue(mape(v020) <= 8.3, "v0.20 throughput MAPE " + mape(v020));
    }

    /** The whole set, calibration / held-back / all (figures of docs/serving-validation.md). */
    @Test
    @EnabledIfSystemProperty(named = "moesim.serving.full", matches = "true")
    void wholeSet() {
        ServingReport r = ServingValidation.run(published(), "published", null);
        assertEquals(r.rows().size(), r.rows().stream().filter(ServingReport.Row::predicted).count());
        double held = mape(r.only(ServingSplit.HELD_BACK));
        double cal = mape(r.only(ServingSplit.CALIBRATION));
        double all = mape(r);
        assertTrue(held <= HELD_BACK_CEILING, "held-back throughput MAPE " + held);
        assertTrue(cal <= CALIBRATION_CEILING, "calibration throughput MAPE " + cal);
        assertTrue(all <= ALL_CEILING, "all rows throughput MAPE " + all);
        // the TensorRT-LLM rows alone keep the guard they had before the vLLM H100 rows were added
        List<ServingReport.Row> trt = r.only(ServingSplit.HELD_BACK).rows().stream().filter(x -> x.row().framework().equals("trtllm")).toList();
        double trtHeld = mape(new ServingReport("trtllm", r.costModel(), trt));
        assertTrue(trtHeld <= TRTLLM_HELD_BACK_CEILING, "TensorRT-LLM held-back throughput MAPE " + trtHeld);
        double tpot = r.mapePct(ServingReport.Row::tpotErrorPct).orElseThrow();
        double ttft = r.mapePct(ServingReport.Row::ttftErrorPct).orElseThrow();
        assertTrue(tpot <= TPOT_CEILING, "TPOT MAPE " + tpot);
        assertTrue(ttft <= TTFT_CEILING, "TTFT MAPE " + ttft);
        // the offline rows (trtllm-bench's and vLLM's own benchmarks), which the engine figures are fitted on (calibration half)
        List<ServingReport.Row> offline = r.rows().stream().filter(x -> x.row().scenario() == ServingRow.Scenario.OFFLINE).toList();
        double off = mape(new ServingReport("offline", r.costModel(), offline));
        assertTrue(off <= OFFLINE_CEILING, "offline rows throughput MAPE " + off);
        // the Triton harness's held-back server rows, which its fit never read
        List<ServingReport.Row> triton = r.only(ServingSplit.HELD_BACK).rows().stream()
                .filter(x -> x.row().harness().isPresent() && x.row().scenario() == ServingRow.Scenario.SERVER).toList();
        ServingReport t = new ServingReport("triton", r.costModel(), triton);
        double tTpot = t.mapePct(ServingReport.Row::tpotErrorPct).orElseThrow();
        double tTtft = t.mapePct(ServingReport.Row::ttftErrorPct).orElseThrow();
        assertTrue(tTpot <= TRITON_HELD_BACK_TPOT_CEILING, "Triton held-back TPOT MAPE " + tTpot);
        assertTrue(tTtft <= TRITON_HELD_BACK_TTFT_CEILING, "Triton held-back TTFT MAPE " + tTtft);
    }

    // measured 2026-12-04 02:57 UTC after the decode per-head refit and the engine refit (docs/serving-validation.md):
    // held back 11.1%, calibration 10.9%, all 11.0%, TPOT 12.2%, TTFT 21.5%; each ceiling about a point above
    // 2026-12-04 09:55 UTC (issue 12), 38 rows: vLLM's 2 H100 latency rows added (one held back at -22.3%, one calibration at -1.9%;
    // the SGLang v0.4.1 rows were not admitted, see traces/published/serving/README.md) and the op-level profiles refitted (quantize_amax,
    // prefill PackGQA, the own all-reduce's NCCL regime): held back 11.5%, calibration 9.7%, all 10.6%, TPOT 7.6%, TTFT 13.6%;
    // TensorRT-LLM's held-back rows alone 10.9%. Each ceiling about a point above.
    // 2026-12-04 21:40 UTC (session 10): the frameworks' own all-reduce hands its large messages to the NCCL library (collectives/nccl.yaml,
    // fitted on nccl-tests rows; its large all-reduce is faster than the old per-framework regime, 23 us + NVLS at 60% vs 41 us + NVLS at 70%),
    // engine figures not refitted: held back 11.5%, calibration 9.6%, all 10.5%, TPOT 8.3%, TTFT 14.5%. TPOT and TTFT ceilings a point above.
    // 2026-12-05 (session 12): TensorRT-LLM's and vLLM's MoE refitted on their collector's round-robin load repair, engine figures not
    // refitted: held back 10.6%, calibration 8.6%, all 9.5%, TPOT 7.2%, TTFT 12.8% (ceilings kept).
    // 2026-12-05 (session 13): TensorRT-LLM's decode refitted with XQA's multi-block split, engine figures not refitted: held back 11.0%,
    // calibration 8.9%, all 9.9%, TPOT 6.2%, TTFT 11.3%; TensorRT-LLM's held-back rows alone 10.5% (ceilings kept). Then TensorRT-LLM's
    // engine figures refitted (2931.5 us per iteration + 7.251 us per sequence): held back 10.5%, calibration 8.8%, all 9.6%, TPOT 6.2%,
    // TTFT 9.0%; TensorRT-LLM's held-back rows 10.0%. TTFT ceiling lowered 15.5 -> 12.0, the others kept.
    // 2026-12-05 (session 14): the fused MoE slot pass per precision, and every framework's moe figures fitted on its bf16 rows alone
    // (TensorRT-LLM's had been fitted on bf16 and fp8 rows together: call 17.96 -> 20.51 us, compute share 0.705 -> 0.633), then vLLM's
    // engine refitted (484.6 us per iteration): held back 10.3%, calibration 8.6%, all 9.4%, TTFT 5.2%, TPOT 9.7% (bias +9.7%). TPOT
    // rises 6.2 -> 9.7 on TensorRT-LLM's bf16 Llama-3-70B server rows: a dense FFN runs on the moe figures (docs/validation.md, known
    // gaps), whose bf16-only fit is slower in compute. TPOT ceiling raised 9.3 -> 10.7 for that, TTFT lowered 12.0 -> 6.5.
    // Then the kernel-database sample regenerated (its attention rows, and the fits with them) and both engines refitted (TensorRT-LLM
    // 2831.0 us per iteration + 7.246 us per sequence, vLLM 488.1 us): held back 10.2%, calibration 8.6%, all 9.4%, TTFT 5.3%, TPOT 9.2%.
    // Then TensorRT-LLM's non-gated MoE rows read as such, the sample regenerated again and TensorRT-LLM's engine refitted (2729.0 us per
    // iteration + 7.231 us per sequence): held back 10.0%, calibration 8.4%, all 9.2%, TTFT 6.1%, TPOT 8.6%; TPOT ceiling lowered 10.7 -> 9.9.
    // 2026-12-05 (session 20): TensorRT-LLM's bf16 MoE blocks on their autotuned CUTLASS tile (moe_tiles), which also takes its dense
    // FFNs off the moe figures (they run on the gemm figures, as SGLang's and vLLM's have since session 18), and its bf16 finalize:
    // held back 9.3%, calibration 9.5%, all 9.4%, TPOT 7.0%, TTFT 18.7% (bias -18.7%): the Triton-served Llama-3-70B server rows'
    // prefill had run its FFNs at the moe class's compute share (0.634), which carried their TTFT; at the gemm class's (0.854)
    // their TTFT is 14-25% short (docs/validation.md, session 20). TTFT ceiling raised 6.5 -> 19.5 for that, TPOT lowered 9.9 -> 8.0.
    // 2026-12-06 (session 24): NCCL's NVLS with a base latency of its own (69.6 us), so 8-GPU all-reduces of 2-32 MB run the ring
    // (as nccl-tests measure them) and the frameworks' own all-reduces hand over to NCCL where their rows say: held back 9.3%,
    // calibration 9.2%, all 9.2%, TPOT 6.5%, TTFT 16.2% (was 18.7%). TTFT ceiling lowered 19.5 -> 17.2, TPOT 8.0 -> 7.5.
    // 2026-12-06 (session 29): both engines refitted, the first refit since session 14 (TensorRT-LLM 3384.9 us per iteration + 5.562 us
    // per sequence, calibration 26.2% without engine costs and 11.1% with them; vLLM 1626.4 us): held back 9.2%, calibration 8.6%, all
    // 8.9%, TPOT 5.3%, TTFT 14.8%. Ceilings a point above: held back 12.5 -> 10.2, calibration 11.0 -> 9.6, all 11.5 -> 9.9, TTFT 17.2 -> 15.8.
    // Then the LM head on the rows a serving engine samples (each prompt's last token and the decode rows, not every token) and both
    // engines refitted again (TensorRT-LLM 4699.5 us per iteration + 4.911 us per sequence, vLLM 1626.8 us): held back 8.9%,
    // calibration 8.2%, all 8.5%, TTFT 13.2%, TPOT 7.6% (bias -3.1 -> +2.3%: the larger per-iteration figure lengthens the server rows'
    // decode steps). Held back 10.2 -> 9.9, calibration 9.6 -> 9.2, all 9.9 -> 9.5, TTFT 15.8 -> 14.2; TPOT raised 7.5 -> 8.6.
    // 2026-12-06 (session 30): an fp8 dense FFN priced as the framework's linear layers (two fp8 GEMMs on the gemm_fp8 figures, each
    // after its activation quantise, and the gated activation between them) where the moe_fp8 figures of the fused MoE kernel had
    // priced it; TensorRT-LLM's engine refitted (4103.3 us per iteration + 5.383 us per sequence): held back 6.3%, calibration 8.1%,
    // all 7.2%, TensorRT-LLM's held-back rows 6.5%, TPOT 6.4%, TTFT 14.8% (the bf16 server rows' prefill iterations shorter by the
    // smaller engine figure). Held back 9.9 -> 7.3, TensorRT-LLM held back 12.0 -> 7.5, calibration 9.2 -> 9.1, all 9.5 -> 8.2,
    // TPOT 8.6 -> 7.4; TTFT raised 14.2 -> 15.8.
    // 2026-12-06 (session 31): an fp8 MoE block's input quantised once over the call's tokens, the compiled expert tasks carrying
    // the layer's top_k, the moe_fp8 figures and both engines refitted (TensorRT-LLM 4065.8 us + 6.092 us per sequence, vLLM
    // 1409.6 us): held back 6.5%, calibration 8.4%, all 7.5%, TensorRT-LLM's 17 held-back rows 6.8%, TPOT 6.2%, TTFT 14.9%; ceilings kept.
    // 2026-12-07 (session 33): the set grew from 38 to 104 rows, TensorRT-LLM's online serving table whole (72 rows, 6 before:
    // Llama-3-70B and the new zoo model Llama-3-8B, QPS 2-32 and INF), and the 28 trtllm-bench rows run on the engine limits
    // trtllm-bench's build heuristic gives them (TrtllmBenchLimits) with chunked context on, TensorRT-LLM's engine refitted on
    // them (3403.2 us per iteration + 7.38 us per sequence). The 38 rows of before: throughput 7.5 -> 6.9% (held back 6.5 ->
    // 6.5, calibration 8.4 -> 7.2), TTFT 14.9 -> 16.3%, TPOT 6.2 -> 5.7%. The whole set: held back 8.2%, calibration 13.0%,
    // all 10.6%, TensorRT-LLM held back 8.3%, TTFT 17.8%, TPOT 25.1% (Llama-3-8B's low-load TPOT +40 to +88%: the per-iteration
    // figure fitted on trtllm-bench's rows is too large for the Triton rows, docs/serving-validation.md); offline rows 7.4%.
    // Then the Triton harness (traces/published/serving/harnesses.json: 750 us per iteration + 20 us per sequence in place of
    // trtllm-bench's engine figures, and 7.06 ms before the first token, fitted on its 30 calibration server rows): the whole
    // set held back 8.2%, calibration 12.7%, all 10.5%, TensorRT-LLM held back 8.3%, TTFT 13.6%, TPOT 14.5%; the Triton
    // server rows held back TPOT 22.9 -> 8.7%, TTFT 16.2 -> 9.2%; offline rows 7.4%. (The 38 rows of before: throughput 7.0%,
    // TTFT 12.8%, TPOT 13.9%: the Llama-3-70B TP 4 rows' TPOT went 7-21% short as the 8B rows' came right.)
    // Each ceiling about a point above; the offline rows and the Triton harness's held-back rows keep guards of their own.
    // 2026-12-07 (session 34): the 24 rows at 202/214 draw their lengths from dataset online-202-214 (datasets.json: log-normal,
    // spread 0.45 fitted on its 15 calibration rows; their closed rows' own figures show lengths that vary), the Triton harness's
    // latency refitted with it (7.06 -> 6.81 ms, costs unchanged): held back 8.2 -> 6.7%, calibration 12.7 -> 5.7%, all 10.5 ->
    // 6.2%, TensorRT-LLM held back 6.8%, TPOT 13.5%, TTFT 13.2%, offline 7.4%, Triton held-back TPOT 8.5%, TTFT 8.5%. Ceilings
    // a point above, offline kept. Then the online table's mean ITL compared with the simulated gaps pooled over all requests
    // (itl_ms_mean), not the per-request mean TPOT (the two differ where lengths vary): TPOT 13.5 -> 12.6% (the 202/214 rows
    // 14.7 -> 12.1%), the rest unchanged; harness and dataset refits unchanged. TPOT ceiling 14.5 -> 13.6.
    // Then the Triton rows' arrivals at their client's own times (harnesses.json poisson_gaps numpy: vLLM's benchmark_serving.py
    // draws its gaps from numpy's global generator at seed 0, whose 499 gaps sum to 503.6 mean gaps where moesim's own seed-0
    // stream gave 489.2), the harness latency refitted 6.81 -> 6.66 ms (costs and the dataset's spread unchanged): held back
    // 6.7 -> 5.6%, calibration 5.7 -> 4.8%, all 6.2 -> 5.2%, TensorRT-LLM held back 5.6%, server rows 4.5 -> 2.8%, TTFT 12.5%,
    // TPOT 12.6%, Triton held-back TPOT 8.3%, TTFT 8.1%. Ceilings a point above, TPOT and offline kept.
    // 2026-12-07 (session 35): H100's serving clock fraction (targets/h100.yaml serving_clock_fraction 0.825, H200 by preset: a
    // serving run's kernels at that fraction of the clock the database's burst timings hold for), fitted with the engines' and
    // the Triton harness's costs on the 47 calibration rows (TensorRT-LLM 2093.6 us per iteration + 7.052 us per sequence, vLLM
    // 1250.4 us, Triton 750 us + 7.5 us per sequence and 4.91 ms; the dataset's spread refitted unchanged): held back 5.6 ->
    // 4.4%, calibration 4.8 -> 3.3%, all 5.2 -> 3.8%, TPOT 12.6 -> 9.6%, TTFT 12.5 -> 6.5%, offline 7.4 -> 6.3%, Triton
    // held-back TPOT 8.3 -> 7.5%, TTFT 8.1 -> 6.1%. Ceilings about a point above.
    // 2026-12-07 (session 37): --kv-fraction sizes the pool from the fullest device of the compiled plan (Simulator.kvFractionTokens;
    // the committed figures not refitted): held back 4.4 -> 4.1%, calibration 3.3% unchanged, all 3.8 -> 3.7%, offline 6.3 -> 5.9%,
    // TTFT and TPOT unchanged. Ceilings kept.
    // 2026-12-07 (session 38): the vocabulary's tables split over tensor-parallel ranks as the engines hold them (the LM head
    // column-parallel with its logits gathered, the embedding split by rows with its lookup all-reduced, both in bf16 under
    // fp8), every serving figure refitted (clock fraction 0.825 -> 0.8, TensorRT-LLM 1749.2 us + 7.001 us per sequence, vLLM
    // 1356.6 us, Triton latency 4.56 ms): held back 4.1 -> 4.2%, calibration 3.3% unchanged, all 3.7% unchanged, offline
    // 5.9 -> 6.2%, TTFT 6.5 -> 6.4%, TPOT 9.6 -> 9.8%, Triton held-back TTFT 6.1 -> 6.0%, TPOT 7.5 -> 7.7%. Ceilings kept.
    // 2026-12-07 (session 39): the KV pools and the memory plan sized from the memory the driver reports (targets' driver_total_MiB,
    // 81,559 MiB on H100 where capacity_GB is 80e9 bytes), every serving figure refitted (clock fraction 0.8 kept, TensorRT-LLM
    // 3420.6 us + 5.735 us per sequence, the rest unchanged): held back 4.2 -> 4.3%, calibration 3.3 -> 3.2%, all 3.7 -> 3.75%,
    // TensorRT-LLM held back 4.3 -> 4.4%, offline 6.2%, TTFT, TPOT and Triton's unchanged. Ceilings kept.
    // 2026-12-07 (session 40): decode attention on an fp8 KV cache on figures of its own (attention_decode_fp8_kv, fitted on the
    // kernel database's fp8-cache rows), TensorRT-LLM's fp8 layers quantising with the checkpoint's static scale (the cast, no
    // amax pass), an fp8 model's activations held in bf16 between ops (its all-reduces, residuals and norms at 2 bytes), every
    // serving figure refitted (clock fraction 0.8 kept, TensorRT-LLM 5342.8 us + 1.621 us per sequence, the rest unchanged):
    // held back 4.3 -> 3.8%, calibration 3.2 -> 2.7%, all 3.75 -> 3.3%, TensorRT-LLM held back 4.4 -> 3.9%, offline 6.2 -> 4.7%,
    // TTFT, TPOT and Triton's unchanged. Ceilings kept.
    static final double HELD_BACK_CEILING = 5.4;
    static final double TRTLLM_HELD_BACK_CEILING = 5.5;
    static final double CALIBRATION_CEILING = 4.3;
    static final double ALL_CEILING = 4.8;
    static final double TPOT_CEILING = 10.6;
    static final double TTFT_CEILING = 7.5;
    static final double OFFLINE_CEILING = 7.3;
    static final double TRITON_HELD_BACK_TPOT_CEILING = 8.5;
    static final double TRITON_HELD_BACK_TTFT_CEILING = 7.1;
}
