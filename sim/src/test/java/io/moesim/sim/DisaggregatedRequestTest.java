package io.moesim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.MemoryTier;
import io.moesim.ir.WeightFormat;
import io.moesim.ir.model.ExpertQuant;
import io.moesim.ir.model.Residual;
import io.moesim.sim.offload.OffloadSpec;
import io.moesim.sim.serving.DisaggregatedLoop;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A disaggregated run honours every request field an aggregated run does, or fails naming the flag: the
 * KV dtype (bytes sent by hand), compressed experts and the residual form (the pools' model), offloading
 * and the trace (one-line errors).
 */
public class DisaggregatedRequestTest {
    private static SimulationRequest.Builder request() {
        // OLMoE-1B-7B on one H100 per pool: 4 prompts of 128 tokens, 4 output tokens each, closed loop
        return SimulationRequest.builder("olmoe-1b-7b", "h100x1").batch(4).requests(4).lengths(128, 4).lengths("fixed");
    }

    private static Deployment disagg() {
        Disaggregation g = new Disaggregation("h100x1", "h100x1", 1, 1, 4, 4, null, true, RunSpec.defaultCompileOptions(1, "uniform", 0),
                RunSpec.defaultCompileOptions(1, "uniform", 0));
        return new Deployment(0, g, null, DisaggregatedLoop.Sla.NONE);
    }

    private static DeployedServing.Served serve(SimulationRequest req) {
        return DeployedServing.serve(req, null, disagg());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> dis(DeployedServing.Served s) {
        return (Map<String, Object>) s.sections().get("disaggregation");
    }

    @Test
    void theKvDtypeSetsTheBytesSent() {
        // OLMoE: 16 layers x (K and V) x 16 KV heads x 128 = 65,536 KV values per token; 4 x 128 prompt tokens:
        // bf16 2 bytes each = 67,108,864 B, fp8 1 byte each = 33,554,432 B
        DeployedServing.Served bf16 = serve(request().build());
        DeployedServing.Served fp8 = serve(request().kvDtype("fp8e4m3").build());
        assertEquals(67_108_864L, dis(bf16).get("kv_bytes_sent"));
        assertEquals(33_554_432L, dis(fp8).get("kv_bytes_sent"));
        assertEquals("fp8e4m3", fp8.result().config().get("kv_dtype"));
        assertTrue((Long) dis(fp8).get("decode_kv_capacity_tokens") > (Long) dis(bf16).get("decode_kv_capacity_tokens"));
    }

    @Test
    void compressedExpertsAndTheResidualFormReachThePools() {
        DeployedServing.Served bf16 = serve(request().build());
        DeployedServing.Served int4 = serve(request().expertQuant(ExpertQuant.uniform(WeightFormat.INT4)).build());
        assertEquals("int4", int4.result().config().get("expert_format"));
        // smaller expert weights leave more of each pool's memory to the KV cache
        assertTrue((Long) dis(int4).get("decode_kv_capacity_tokens") > (Long) dis(bf16).get("decode_kv_capacity_tokens"));
        DeployedServing.Served ladder = serve(request().residual(Residual.parse("ladder")).build());
        assertEquals("ladder", ladder.result().config().get("residual"));
    }

    @Test
    void offloadAndTraceFailNamingTheFlag() {
        SimulationRequest off = request().offload(new OffloadSpec(10_000_000_000L, MemoryTier.load("host"), OffloadSpec.Policy.parse("prefetch")))
                .build();
        SimulationException e = assertThrows(SimulationException.class, () -> serve(off));
        assertTrue(e.getMessage().contains("--offload") && !e.getMessage().contains("\n"), e.getMessage());
        SimulationRequest traced = request().trace(Path.of("unused-trace.json"), 10).build();
        SimulationException t = assertThrows(SimulationException.class, () -> serve(traced));
        assertTrue(t.getMessage().contains("--trace"), t.getMessage());
    }
}
