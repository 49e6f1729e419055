package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.PlanJson;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelZoo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * An fp8 model's plan under the {@code ideal} profile, byte for byte as it was before the activation quantise became an
 * op of its own (the golden file was written by the code before that change; regenerate with -Dgolden.update=true only
 * for a change meant to move ideal plans): hypothetical-hardware comparisons (Duplex) must not move. Regenerated once since,
 * for an attribute alone (session 31: the expert tasks' top_k is the layer's, 2, where it was 1; no time or placement moved),
 * and once for a change of the model (session 38: the vocabulary's tables split over the two ranks, 16,000 rows each. The
 * LM head is column-parallel, in bf16 as fp8 checkpoints keep it, its logits all-gathered: the same weight bytes per rank,
 * half the FLOPs, one all-gather of 16 x 16,000 bf16 logits. The embedding table is split by rows, in bf16 too, its lookup
 * all-reduced at once: the same weight bytes per rank, its 16 rows read at 2 bytes, one all-reduce of 16 x 4096. Nothing
 * else moved).
 */
class IdealFp8PlanTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/mixtral2_fp8_decode_ideal_h100x2.plan.json");

    static Graph fp8Decode() {
        return GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("Mixtral-8x7B").withLayers(2), 16, 512).withDtype(DType.FP8_E4M3));
    }

    static CompileOptions tp2() {
        CompileOptions d = CompileOptions.defaults();
        CompileOptions.Parallelism tp = new CompileOptions.Parallelism(2, 1, 1, 1);
        return new CompileOptions(tp, tp, d.placement(), d.expertPlacement(), d.overlap(), d.tiles(), null, d.ilpTimeLimitSeconds(), d.seed());
    }

    @Test
    void idealPlanOfAnFp8ModelIsUnchanged() throws Exception {
        KernelCostModel ideal = new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, d -> FrameworkProfile.ideal());
        String json = PlanJson.toJson(Compiler.compile(fp8Decode(), Systems.load("h100x2"), tp2(), ideal).plan());
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(GOLDEN.getParent());
            Files.writeString(GOLDEN, json, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(GOLDEN, StandardCharsets.UTF_8), json);
    }
}
