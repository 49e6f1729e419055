package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.ir.DType;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.SimulationResult;
import org.junit.jupiter.api.Test;

/**
 * A KV cache sized as TensorRT-LLM sizes it ({@code kv_fraction}) is what the fullest device has free, times the devices:
 * every tensor-parallel rank keeps its share of every token's KV, so the pool can be no larger than the rank with the least
 * memory left after its weights allows. The plan's ranks need not hold the model's bytes over the ranks: when this sizing
 * came, the plan kept the embedding table and the LM head whole on every rank, and sizing from the model's bytes overfilled
 * each device (Llama 3.1 405B FP8 on 8 x H100 at 0.95 needed 80.5 GB of 80; nine of the ten 8 x H100 cells of
 * TensorRT-LLM's v1.0 table were refused). Both tables are split over the ranks now, in bf16.
 */
class KvFractionFullestDeviceTest {
    @Test
    void llama405bOnEightH100sFitsAtNinetyFivePercent() {
        FrameworkProfile p = FrameworkProfiles.load("trtllm");
        KernelCostModel cost = new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, d -> p);
        CompileOptions.Parallelism tp8 = new CompileOptions.Parallelism(8, 1, 1, 1);
        SimulationRequest req = SimulationRequest.builder("llama-3-405b", "h100x8").dtype(DType.FP8_E4M3).offline().requests(2)
                .lengths(128, 2).maxBatch(2).tokenBudget(2048).kvFraction(0.95).compileOptions(CompileOptions.defaults().withParallelism(tp8, tp8))
                .costModel(cost).build();
        SimulationResult r = Simulator.simulate(req);
        assertEquals(2, r.requestsCompleted());
        ModelConfig m = ModelZoo.get("llama-3-405b");
        // by hand: the linear layers in fp8 split 8 ways, per layer 2 x 16384^2 + 2 x 16384 x 1024 + 3 x 16384 x 53248 bytes over
        // 126 layers, 401,646,551,040 / 8 = 50,205,818,880; an eighth of the embedding table and of the LM head, both kept in
        // bf16 (2 x 128256 x 16384 x 2 / 8): 51.26 GB per device before the norms and the activations (under 1 GB together here)
        double linear = 126.0 * (2.0 * 16384 * 16384 + 2.0 * 16384 * 1024 + 3.0 * 16384 * 53248) / 8;
        double weights = linear + 2 * 128256.0 * 16384 * 2 / 8;
        double kvPerDevice = (double) r.kvCapacityTokens() * Simulator.kvBytesPerToken(m, DType.FP8_E4M3) / 8;
        // of the 81,559 MiB the driver reports (nvidia-smi), which engines size from
        double total = 81559.0 * (1 << 20);
        assertTrue(kvPerDevice <= 0.95 * (total - weights), "KV per device " + kvPerDevice / 1e9 + " GB");
        assertTrue(kvPerDevice >= 0.95 * (total - weights - 1e9), "KV per device " + kvPerDevice / 1e9 + " GB");
        // (before this sizing, each device had been given 0.95 x (80 - 50.21 - 0.53) = 27.8 GB of KV from the model's bytes over
        // the ranks, with both tables in fp8: 2.2 GB more than the 25.6 GB the plan then left it, with both tables whole)
    }
}
