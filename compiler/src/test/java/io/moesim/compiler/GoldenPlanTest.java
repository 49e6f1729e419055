package io.moesim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.compiler.CompileOptions.ExpertPlacement;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.PlanJson;
import io.moesim.hw.Systems;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The plan of a 2-layer toy MoE on 2 H100s (attention TP 2, MoE EP 2), byte for byte. Regenerate with -Dgolden.update=true. */
class GoldenPlanTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/toy_moe_h100x2.plan.json");

    @Test
    void toyMoeOnTwoDevices() throws Exception {
        io.moesim.compiler.plan.HardwarePlan plan = Compiler.compile(Fixtures.toyMoe(2, 8, new long[] {6, 4, 4, 2}), Systems.load("h100x2"),
                Fixtures.options(Fixtures.p(2, 1, 1, 1), Fixtures.p(1, 2, 1, 1), Placement.OPB, ExpertPlacement.GREEDY, Overlap.LAYER, 1),
                RooflineCostModel.INSTANCE).plan();
        String json = PlanJson.toJson(plan);
        // the file writer's UTF-8 stream gives the same bytes as the text
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        PlanJson.write(plan, bytes);
        assertEquals(json, bytes.toString(StandardCharsets.UTF_8));
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(GOLDEN.getParent());
            Files.writeString(GOLDEN, json, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(GOLDEN, StandardCharsets.UTF_8), json);
    }
}
