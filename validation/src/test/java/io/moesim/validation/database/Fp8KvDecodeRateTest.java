package io.moesim.validation.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Decode attention over an E4M3 cache on FlashAttention-3 (vLLM, SGLang) is bounded by its SMs' rate, not the HBM's
 * ({@link DbFit#fitsEngineRate}): the same time on H100 and H200, which share the SMs and clock; on TensorRT-LLM's XQA it
 * stays a share of the HBM and speeds up with H200's memory.
 */
class Fp8KvDecodeRateTest {
    /** 128 sequences, 8 KV heads of 128, 2048 keys, E4M3: 537 MB of K and V, far more DRAM time than launch or compute. */
    private static final String OP = "attention batch=128 heads=8 kv_heads=8 head_dim=128 q_len=1 kv_len=2048 causal=false dtype=bf16 kv_dtype=fp8e4m3";

    private static DbRow row(String framework, String gpu) {
        return DbRow.of(OP, gpu, gpu, framework, 100, "test");
    }

    @Test
    void theEngineRateIsFittedInTheOwnProfileOfAFrameworkRunningFlashAttention3() {
        assertTrue(DbFit.fitsEngineRate(FrameworkProfile.ATTENTION_DECODE_FP8_KV, List.of(row("vllm", "h100"), row("vllm", "h200"))));
        assertTrue(DbFit.fitsEngineRate(FrameworkProfile.ATTENTION_DECODE_FP8_KV, List.of(row("sglang", "h100"))));
        assertFalse(DbFit.fitsEngineRate(FrameworkProfile.ATTENTION_DECODE_FP8_KV, List.of(row("vllm", "h100"), row("sglang", "h100"))),
                "a pooled profile (leave one out) keeps no framework's own kernel mechanism");
        assertFalse(DbFit.fitsEngineRate(FrameworkProfile.ATTENTION_DECODE_FP8_KV, List.of(row("trtllm", "h100"))), "XQA runs its GMMA on the cache as loaded");
        assertFalse(DbFit.fitsEngineRate(FrameworkProfile.ATTENTION_DECODE_FP8_KV, List.of(row("vllm", "h100"), row("trtllm", "h100"))), "a mixed pool is no one kernel");
        assertFalse(DbFit.fitsEngineRate(FrameworkProfile.ATTENTION_DECODE_FP8_KV, List.of()));
        assertFalse(DbFit.fitsEngineRate("attention_decode", List.of(row("vllm", "h100"))), "a bf16 cache is read as it is");
        // the classes that were on a rate before, as they were: prefill always, the amax pass unless every row is a per-token quantise
        DbRow prefill = DbRow.of("attention batch=1 heads=32 kv_heads=8 head_dim=128 q_len=1024 kv_len=1024 causal=true dtype=bf16", "h100", "h100",
                "trtllm", 100, "test");
        DbRow token = DbRow.of("quantize m=4096 k=4096 step=token", "h100", "h100", "vllm", 30, "test");
        DbRow cast = DbRow.of("quantize m=4096 k=4096 step=cast", "h100", "h100", "trtllm", 30, "test");
        assertTrue(DbFit.fitsEngineRate("attention_prefill", List.of(prefill)));
        assertFalse(DbFit.fitsEngineRate("quantize_amax", List.of(token)), "vLLM's per-token quantise streams its rows: a share");
        assertTrue(DbFit.fitsEngineRate("quantize_amax", List.of(token, cast)));
        assertFalse(DbFit.fitsEngineRate("moe_fp8", List.of(row("vllm", "h100"))), "a class on a share (the MIN_HBM_SHARE refit aside)");
    }

    @Test
    void flashAttention3TakesTheSameTimeOnBothMemoriesAndXqaDoesNot() {
        DbModel model = new DbModel();
        DeviceSpec h100 = DbProtocol.device("h100");
        DeviceSpec h200 = DbProtocol.device("h200");
        for (String fw : List.of("vllm", "sglang")) {
            FrameworkProfile p = FrameworkProfiles.load(fw);
            FrameworkProfile.ClassFigures f = p.figures(FrameworkProfile.ATTENTION_DECODE_FP8_KV);
            assertTrue(f.engineGBps().isPresent() && f.bandwidthFraction().isEmpty(), fw + ": a rate per SM in place of a share");
            double a = model.predictUs(row(fw, "h100"), h100, p);
            double b = model.predictUs(row(fw, "h200"), h200, p);
            // the floor: the op's DRAM bytes at 132 SMs x the rate, the same on both GPUs (the HBM's own time is under it on both);
            // what differs is the memories' first-access latency, a few ns
            assertEquals(a, b, 0.05, fw + ": H100 " + a + " us, H200 " + b + " us");
        }
        FrameworkProfile trt = FrameworkProfiles.load("trtllm");
        assertTrue(trt.figures(FrameworkProfile.ATTENTION_DECODE_FP8_KV).bandwidthFraction().isPresent());
        double a = model.predictUs(row("trtllm", "h100"), h100, trt);
        double b = model.predictUs(row("trtllm", "h200"), h200, trt);
        // a share of the HBM: well under the H100 time (3.35 / 4.8 = 0.70 of its DRAM part, the rest fixed)
        assertTrue(b < 0.9 * a, "XQA: H100 " + a + " us, H200 " + b + " us");
    }
}
