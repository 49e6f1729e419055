package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.moesim.compiler.CompileOptions;
import io.moesim.ir.MoesimException;
import io.moesim.sim.RunSpec;
import io.moesim.sim.serving.IterationModel;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A run configuration as data: sweep YAML keys read into a {@link RunSpec}, written out and read back. */
@Tag("fast")
class RunSpecDataTest {
    private static SweepSpec spec(String yaml) {
        return SweepSpecs.parse(yaml, "s.yaml", "s");
    }

    /** A run far from every default, so that a key lost or misread on the way shows. */
    private static RunSpec unusual() {
        return RunSpec.builder("mixtral-8x7b", "h100x4").sets(List.of("device.memory.hbm_bandwidth_GBps=3000")).qps(2.5).requests(40)
                .lengths(300, 70).maxBatch(24).lengths("gaussian:0.2").routing("zipf:1.2").dtype("fp8e4m3").tokenBudget(4096)
                .kvFraction(0.8).collectives(CollectiveAlgorithm.RING).iterationModel(IterationModel.Kind.FAST)
                .costModel(RunSpec.CostModelKind.ROOFLINE).framework("vllm").attention(new CompileOptions.Parallelism(2, 1, 2, 1))
                .moe(new CompileOptions.Parallelism(1, 4, 1, 1)).placement(CompileOptions.Placement.OPB)
                .expertPlacement(CompileOptions.ExpertPlacement.RR).overlap(CompileOptions.Overlap.TILE).tiles(8).ilpTimeLimitSeconds(3.5)
                .seed(9).build();
    }

    @Test
    void theIssuesPointReadsAsSimulatesDefaults() {
        // the issue's one-point sweep: what simulate --batch 32 --in 512 --out 256 --requests 64 --seed 5 states
        RunSpec viaSweep = SimulatorEvaluatorFactory.runs(spec("""
                base: {model: mixtral-8x7b, system: duplex-x4, input_len: 512, output_len: 256, requests: 64, seed: 5}
                axes: {batch: [32]}
                """)).get(0);
        RunSpec viaBuilder = RunSpec.builder("mixtral-8x7b", "duplex-x4").batch(32).lengths(512, 256).requests(64).seed(5).build();
        assertEquals(viaBuilder, viaSweep);
        // the defaults a sweep point now shares with simulate (before: roofline, and the builder's 4 x batch requests)
        assertEquals(RunSpec.CostModelKind.KERNEL, viaSweep.costModel());
        assertEquals(null, viaSweep.attention()); // the system's default: tensor parallel over its devices
        assertEquals(new CompileOptions.Parallelism(4, 1, 1, 1), viaSweep.compileOptions(4).attention());
        assertEquals(new CompileOptions.Parallelism(4, 1, 1, 1), viaSweep.compileOptions(4).moe());
        // in/out are other names of input_len/output_len; cost_model is a key
        RunSpec aliases = SimulatorEvaluatorFactory.runs(spec("""
                base: {model: mixtral-8x7b, system: duplex-x4, in: 512, out: 256, requests: 64, seed: 5}
                axes: {batch: [32]}
                """)).get(0);
        assertEquals(viaSweep, aliases);
        RunSpec roofline = SimulatorEvaluatorFactory.runs(spec("""
                base: {model: mixtral-8x7b, system: duplex-x4, in: 512, out: 256, requests: 64, seed: 5}
                axes: {batch: [32], cost_model: [roofline]}
                """)).get(0);
        assertEquals(RunSpec.CostModelKind.ROOFLINE, roofline.costModel());
        assertNotEquals(viaSweep, roofline);
    }

    @Test
    void aRunWrittenAsYamlAndReadBackThroughASweepSpecIsTheSameRun() throws Exception {
        for (RunSpec run : List.of(unusual(), RunSpec.builder("qwen3-30b-a3b", "duplex-x8").build(),
                RunSpec.builder("mixtral-8x7b", "h100x2").offline().kvCapacityTokens(100_000).build())) {
            Map<String, Object> base = run.toMap();
            Map<String, Object> doc = new LinkedHashMap<>();
            Object seed = base.remove("seed"); // one key as the axis, the rest as the base
            doc.put("base", base);
            doc.put("axes", Map.of("seed", List.of(seed)));
            String yaml = new ObjectMapper(new YAMLFactory()).writeValueAsString(doc);
            assertEquals(run, SimulatorEvaluatorFactory.runs(spec(yaml)).get(0), yaml);
        }
    }

    @Test
    void aRunWrittenAsJsonAndReadBackIsTheSameRun() throws Exception {
        ObjectMapper json = new ObjectMapper();
        RunSpec run = unusual();
        String text = json.writeValueAsString(run.toMap());
        @SuppressWarnings("unchecked")
        Map<String, Object> back = json.readValue(text, LinkedHashMap.class);
        assertEquals(run, RunSpec.fromMap(back, k -> k));
        assertEquals(text, json.writeValueAsString(RunSpec.fromMap(back, k -> k).toMap()));
    }

    @Test
    void anAliasAndItsKeyTogetherAreRefusedBeforeAnyPointRuns() {
        SweepException e = assertThrows(SweepException.class, () -> new SimulatorEvaluatorFactory().create(spec("""
                base: {model: mixtral-8x7b, system: duplex-x4, in: 512, workload: {input_len: 3}}
                axes: {batch: [32]}
                """)));
        assertEquals("s.yaml: base.input_len: given twice (as in and input_len, one setting)", e.getMessage());
    }

    @Test
    void badKeysFailWithOneLineNamingTheKey() {
        Map<String, Object> m = new LinkedHashMap<>(Map.of("model", "mixtral-8x7b", "system", "duplex-x4"));
        m.put("in", 512L);
        m.put("input_len", 256L);
        assertEquals("input_len: given twice (as in and input_len)", assertThrows(MoesimException.class, () -> RunSpec.fromMap(m, k -> k)).getMessage());
        m.remove("input_len");
        m.put("cost_model", "cycle");
        assertEquals("cost_model: unknown 'cycle' (expected kernel, roofline)",
                assertThrows(MoesimException.class, () -> RunSpec.fromMap(m, k -> k)).getMessage());
        m.remove("cost_model");
        m.put("routing", "zipf:x");
        assertTrue(assertThrows(MoesimException.class, () -> RunSpec.fromMap(m, k -> "base." + k)).getMessage().startsWith("base.routing: "));
        m.put("routing", "uniform");
        m.put("in", 0L);
        assertEquals("in: must be > 0, got 0", assertThrows(MoesimException.class, () -> RunSpec.fromMap(m, k -> k)).getMessage());
        m.put("in", 512L);
        m.put("batch", 4L);
        m.put("qps", 2.0);
        assertTrue(assertThrows(MoesimException.class, () -> RunSpec.fromMap(m, k -> k)).getMessage().startsWith("qps: give one of batch"));
    }
}
