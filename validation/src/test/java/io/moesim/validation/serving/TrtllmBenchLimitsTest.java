package io.moesim.validation.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.moesim.validation.serving.TrtllmBenchLimits.Form.BINARY;
import static io.moesim.validation.serving.TrtllmBenchLimits.Form.DECIMAL;

import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** trtllm-bench's engine limits ({@link TrtllmBenchLimits}) by hand, and the serving set's trtllm-bench rows run on them. */
class TrtllmBenchLimitsTest {
    private static final DType FP8 = DType.parse("fp8e4m3");

    /**
     * Mixtral-8x7B FP8 on 2 x H100, 1000/1000, by hand: 46,702,792,704 parameters = 46.70 GB of FP8 weights; KV cache
     * 0.95 x (2 x 80 - 46.70) = 107.63 GiB; a token 2 x 32 layers x 8 KV heads x 128 x 1 B = 65,536 B = 6.104e-5 GiB, so
     * 1,763,434 tokens, 881.7 requests of 2000: batch 128 x ceil(881.7 / 128) = 896; tokens 881.7 x (1 + 1) = 1763, under
     * 4096: max(2048, 256 x 7) = 2048. At 5000/500 the same cache holds 320.6 requests: batch 384; 320.6 x 11 = 3527 tokens:
     * 256 x 14 = 3584, under the 5000-token prompt (which chunked context splits).
     */
    @Test
    void mixtralOnTwoH100sByHand() {
        ModelConfig m = ModelZoo.get("mixtral-8x7b");
        assertEquals(new TrtllmBenchLimits.Limits(896, 2048), TrtllmBenchLimits.of(m, FP8, 2, 1, 1000, 1000, 80, DECIMAL));
        assertEquals(new TrtllmBenchLimits.Limits(384, 3584), TrtllmBenchLimits.of(m, FP8, 2, 1, 5000, 500, 80, DECIMAL));
    }

    /**
     * Llama-3-70B FP8 on one H200, 1000/1000: 70,553,706,496 parameters; 0.95 x (141 - 70.55) = 66.92 GiB of KV at
     * 2 x 80 x 8 x 128 B = 163,840 B a token: 438,588 tokens, 219.3 requests: under 256, 32 x ceil(219.3 / 32) = 224;
     * 438.6 tokens: the floor, 2048. Mixtral-8x7B on 8 x H100 holds 4617 requests: the batch is capped at 4096 (256 x 16),
     * the tokens at 4096 x 2 = 8192, not under 8192: 1024 x 8.
     */
    @Test
    void theFloorsAndCaps() {
        assertEquals(new TrtllmBenchLimits.Limits(224, 2048), TrtllmBenchLimits.of(ModelZoo.get("llama-3-70b"), FP8, 1, 1, 1000, 1000, 141, DECIMAL));
        assertEquals(new TrtllmBenchLimits.Limits(4096, 8192), TrtllmBenchLimits.of(ModelZoo.get("mixtral-8x7b"), FP8, 8, 1, 1000, 1000, 80, DECIMAL));
        // bf16 weights of a 70B model do not fit one H100: no KV cache, an error as trtllm-bench raises one
        assertThrows(IllegalArgumentException.class, () -> TrtllmBenchLimits.of(ModelZoo.get("llama-3-70b"), DType.BF16, 1, 1, 1000, 1000, 80, DECIMAL));
    }

    /**
     * The later form sizes the weights in GiB: Llama-3-70B's 70,553,706,496 FP8 parameters are 65.71 GiB, so one H200 keeps
     * 0.95 x (141 - 65.71) = 71.53 GiB of KV, 468,749 tokens, 234.4 requests of 2000: 32 x ceil(234.4 / 32) = 256 (224 in
     * the first form). On two H100s both forms give 384: 89.58 GiB, 293.5 requests (first form 278.4), 128 x 3. The version
     * picks the form: v0.17 the first, v1.0 the later.
     */
    @Test
    void theLaterFormSizesTheWeightsInGib() {
        ModelConfig llama = ModelZoo.get("llama-3-70b");
        assertEquals(new TrtllmBenchLimits.Limits(256, 2048), TrtllmBenchLimits.of(llama, FP8, 1, 1, 1000, 1000, 141, BINARY));
        assertEquals(new TrtllmBenchLimits.Limits(384, 2048), TrtllmBenchLimits.of(llama, FP8, 2, 1, 1000, 1000, 80, BINARY));
        assertEquals(DECIMAL, TrtllmBenchLimits.Form.of("0.17"));
        assertEquals(BINARY, TrtllmBenchLimits.Form.of("1.0"));
        assertEquals(BINARY, TrtllmBenchLimits.Form.of("0.19"));
    }

    /**
     * Every row of the set that trtllm-bench measured (the v0.17, v0.20 and v1.0 tables: its build heuristic, or the PyTorch flow's same
     * computation) runs on these limits with chunked context on; the rounding makes them the same whether the GPU's memory is
     * read as the datasheet's figure or as NVML's total (81,559 MiB for H100 80GB, 143,771 MiB for H200). Other rows keep theirs.
     */
    @Test
    void theSetsTrtllmBenchRowsRunOnItsLimitsWithChunkedContext() {
        List<ServingRow> rows = new java.util.ArrayList<>(ServingSet.read(ServingSet.published(Path.of(".."))));
        // and the engine left out of every fit (the v1.0 table's other cells, the v0.20 table), whose limits a second implementation wrote
        rows.addAll(ServingSet.read(ServingSet.engineLeftOut(Path.of(".."))));
        int bench = 0;
        for (ServingRow r : rows) {
            boolean trtllmBench = r.framework().equals("trtllm") && List.of("0.17", "0.20", "1.0").contains(r.frameworkVersion());
            if (!trtllmBench) {
                assertFalse(r.chunkedPrefill().isPresent() && r.framework().equals("trtllm"), r.id() + ": only trtllm-bench rows set chunked prefill");
                continue;
            }
            bench++;
            ModelConfig m = ModelZoo.resolve(r.model());
            double gib = Systems.load(r.system()).device().memory().capacityGB();
            double nvml = r.system().startsWith("h200") ? 143771 / 1024.0 : 81559 / 1024.0;
            TrtllmBenchLimits.Form form = TrtllmBenchLimits.Form.of(r.frameworkVersion());
            TrtllmBenchLimits.Limits l = TrtllmBenchLimits.of(m, DType.parse(r.dtype()), r.tp(), 1, r.in(), r.out(), gib, form);
            assertEquals(l, new TrtllmBenchLimits.Limits(r.maxBatch(), r.maxNumTokens()), r.id());
            assertEquals(l, TrtllmBenchLimits.of(m, DType.parse(r.dtype()), r.tp(), 1, r.in(), r.out(), nvml, form), r.id() + " under NVML's memory");
            assertEquals(Optional.of(true), r.chunkedPrefill(), r.id());
            assertTrue(r.scenario() == ServingRow.Scenario.OFFLINE, r.id());
        }
        assertEquals(28 + 58 + 95, bench, "trtllm-bench rows");
    }
}
