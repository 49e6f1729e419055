package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions;
import io.moesim.ir.MoesimException;
import io.moesim.sim.SimulationRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatorEvaluatorTest {
    @TempDir
    Path dir;

    private static SweepSpec spec(String yaml) {
        return SweepSpecs.parse(yaml, "s.yaml", "s");
    }

    @Test
    void axesBecomeARequestWithSetsAndCompileOptions() {
        SweepSpec s = spec("""
                base:
                  model: mixtral-8x7b-v0.1
                  system: duplex-x4
                  sets: ["device.memory.hbm_bandwidth_GBps=3328"]
                  workload: {requests: 8, input_len: 128, output_len: 16}
                  compile: {overlap: tile, moe_ep: 4}
                axes:
                  duplex.logic_pim.tsv_multiplier: [8]
                  system.nodes: [1]
                  batch: [16]
                  placement: [xpu-only]
                """);
        SimulatorEvaluator ev = (SimulatorEvaluator) new SimulatorEvaluatorFactory().create(s);
        Map<String, Object> c = new LinkedHashMap<>(SimulatorEvaluatorFactory.flatten(s));
        c.putAll(PointSet.expand(s).get(0).axes());
        SimulationRequest r = ev.request(c);
        assertEquals(List.of("device.memory.hbm_bandwidth_GBps=3328", "device.logic_pim.tsv_multiplier=8", "nodes=1"), r.systemSets());
        assertEquals(16, r.batch());
        assertEquals(8, r.requests());
        assertEquals(128, r.inputLength());
        assertEquals(CompileOptions.Placement.XPU_ONLY, r.compileOptions().placement());
        assertEquals(CompileOptions.Overlap.TILE, r.compileOptions().overlap());
        assertEquals(4, r.compileOptions().moe().ep());

        c.put("placement", "fastest");
        MoesimException e = assertThrows(MoesimException.class, () -> ev.request(c));
        assertEquals("placement: unknown 'fastest' (expected opb, xpu-only, pim-only, coproc)", e.getMessage());
        c.remove("placement");
        c.put("system", "h100x4");
        e = assertThrows(MoesimException.class, () -> ev.request(c));
        assertEquals("duplex.logic_pim.tsv_multiplier sets a duplex device, but system h100x4 has h100 devices", e.getMessage());
    }

    @Test
    void zeroOrNegativeWorkloadSizesAreRefusedNotDefaulted() {
        SweepSpec s = spec("base: {model: mixtral-8x7b-v0.1, system: duplex-x4, workload: {requests: 8}}\naxes: {batch: [16]}");
        SimulatorEvaluator ev = (SimulatorEvaluator) new SimulatorEvaluatorFactory().create(s);
        Map<String, Object> c = new LinkedHashMap<>(SimulatorEvaluatorFactory.flatten(s));
        c.putAll(PointSet.expand(s).get(0).axes());
        assertEquals(8, ev.request(c).requests());
        for (long bad : new long[] {0, -4}) {
            c.put("requests", bad);
            assertEquals("requests: must be > 0, got " + bad, assertThrows(MoesimException.class, () -> ev.request(c)).getMessage());
        }
        c.put("requests", 8L);
        c.put("input_len", 0L);
        assertEquals("input_len: must be > 0, got 0", assertThrows(MoesimException.class, () -> ev.request(c)).getMessage());
        c.remove("input_len");
        c.remove("batch");
        c.put("qps", Double.POSITIVE_INFINITY);
        assertTrue(assertThrows(MoesimException.class, () -> ev.request(c)).getMessage().startsWith("qps: must be a finite number > 0"));
    }

    @Test
    void specProblemsAreFoundBeforeAnyPointRuns() {
        SimulatorEvaluatorFactory f = new SimulatorEvaluatorFactory();
        assertEquals("s.yaml: axes.batchsize: unknown key (known: arrivals, batch, chunked_prefill, collectives, cost_model, dp, dtype, ep, expert_placement, framework, ilp_time_limit_s, in, input_len, iteration_model, kv_capacity_tokens, kv_fraction, "
                + "lengths, max_batch, max_num_tokens, model, moe_dp, moe_ep, moe_pp, moe_tp, offline, out, output_len, overlap, placement, poisson_gaps, pp, qps, requests, routing, "
                + "routing_trace, seed, sets, system, tiles, tp, or a spec key path such as duplex.logic_pim.tsv_multiplier)",
                assertThrows(SweepException.class, () -> f.create(spec("base: {model: mixtral, system: duplex-x4}\naxes: {batchsize: [1]}"))).getMessage());
        assertTrue(assertThrows(SweepException.class, () -> f.create(spec("base: {model: mixtral, system: duplex-x4}\naxes: {tpu.clock_MHz: [1]}")))
                .getMessage().startsWith("s.yaml: axes.tpu.clock_MHz: a key path starts with device., system. or a device id ("));
        assertTrue(assertThrows(SweepException.class, () -> f.create(spec("base: {model: nosuch, system: duplex-x4}\naxes: {batch: [1]}")))
                .getMessage().startsWith("s.yaml: base.model: unknown model 'nosuch'"));
        assertTrue(assertThrows(SweepException.class, () -> f.create(spec("base: {model: mixtral}\naxes: {system: [duplex-x4, nosuch]}")))
                .getMessage().startsWith("s.yaml: axes.system: "));
        assertEquals("s.yaml: base.system: missing: every point needs a system",
                assertThrows(SweepException.class, () -> f.create(spec("base: {model: mixtral}\naxes: {batch: [1]}"))).getMessage());
        assertEquals("s.yaml: base.workload.bacth: unknown key (known here: arrivals, batch, chunked_prefill, collectives, dtype, in, input_len, iteration_model, "
                + "kv_capacity_tokens, kv_fraction, lengths, max_batch, max_num_tokens, offline, out, output_len, poisson_gaps, qps, requests, routing, seed)",
                assertThrows(SweepException.class, () -> f.create(spec("base: {model: mixtral, system: duplex-x4, workload: {bacth: 2}}\naxes: {batch: [1]}")))
                        .getMessage());
    }

    @Test
    void aSmallRealSweepRunsTheSimulator() throws Exception {
        Path spec = dir.resolve("s.yaml");
        Files.writeString(spec, """
                base:
                  model: mixtral-8x7b-v0.1
                  system: duplex-x4
                  workload: {requests: 8, input_len: 128, output_len: 8}
                  compile: {moe_tp: 4}
                axes:
                  duplex.logic_pim.tsv_multiplier: [1, 8]
                  batch: [8]
                metrics: [throughput_tokens_per_s, tbt_p99_ms, energy_j_per_token]
                """);
        SweepOutcome o = Sweeps.run(SweepRequest.local(spec, dir.resolve("out")).withParallelism(2), SweepProgress.NONE);
        List<String> lines = Files.readAllLines(o.csv());
        assertEquals("index,id,duplex.logic_pim.tsv_multiplier,batch,throughput_tokens_per_s,tbt_p99_ms,energy_j_per_token,error", lines.get(0));
        assertEquals(0, o.failed(), lines.toString());
        double slow = Double.parseDouble(lines.get(1).split(",")[4]);
        double fast = Double.parseDouble(lines.get(2).split(",")[4]);
        assertTrue(slow > 0 && fast >= slow, "more TSV bandwidth is never slower: " + lines);
    }
}
