package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.moesim.sim.RunSpec;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.ResultJson;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sweep.ExperimentResults;
import io.moesim.sweep.ExperimentSpec;
import io.moesim.sweep.ExperimentSpecs;
import io.moesim.sweep.Experiments;
import io.moesim.sweep.SimulatorEvaluatorFactory;
import io.moesim.sweep.SweepRequest;
import io.moesim.sweep.SweepSpec;
import io.moesim.sweep.SweepSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One run, three ways of stating it: {@code moesim simulate}'s flags, a one-point sweep spec, the library's
 * builder. The example point (mixtral-8x7b on duplex-x4, batch 32, in 512, out 256, 64 requests,
 * seed 5) gave 8,141.7 tokens/s through simulate and 10,576.9 through a sweep: the sweep ran the roofline
 * cost model, simulate the kernel model.
 */
class RunParityTest {
    static final String[] FLAGS = {"--model", "mixtral-8x7b", "--system", "duplex-x4", "--batch", "32", "--in", "512", "--out", "256",
        "--requests", "64", "--seed", "5"};
    static final String SWEEP = """
            base: {model: mixtral-8x7b, system: duplex-x4, input_len: 512, output_len: 256, requests: 64, seed: 5}
            axes: {batch: [32]}
            """;

    /** The same point as an experiment file: one setup, one role, one configuration. */
    static final String EXPERIMENT = """
            experiment: point
            title: One point
            paper: "none (the issue's example point)"
            source: "RunParityTest.FLAGS"
            base: {seed: 5}
            studies:
              - name: s
                title: S
                setups:
                  - name: m
                    base: {model: mixtral-8x7b, input_len: 512, output_len: 256, requests: 64}
                    roles:
                      duplex: {system: duplex-x4}
                    points: [{batch: 32}]
            """;

    @TempDir
    Path dir;

    private static ExperimentSpec experiment() {
        return ExperimentSpecs.parse(EXPERIMENT, "point-experiment.yaml", "point");
    }

    private static RunSpec fromFlags(String... args) {
        CommandLine cl = new CommandLine(new SimulateCommand());
        cl.parseArgs(args);
        SimulateCommand c = cl.getCommand();
        return c.serving.runSpec(c.system, c.flags);
    }

    private static SweepSpec sweep(String yaml) {
        return SweepSpecs.parse(yaml, "point.yaml", "point");
    }

    @Test
    @Tag("fast")
    void flagsSweepKeysAndTheBuilderStateTheSameRun() {
        RunSpec flags = fromFlags(FLAGS);
        assertEquals(flags, SimulatorEvaluatorFactory.runs(sweep(SWEEP)).get(0));
        assertEquals(flags, RunSpec.builder("mixtral-8x7b", "duplex-x4").batch(32).lengths(512, 256).requests(64).seed(5).build());
        assertEquals(flags, SimulatorEvaluatorFactory.runs(Experiments.sweepSpec(experiment())).get(0));
        // the flag and the key of the cost model agree
        assertEquals(fromFlags(concat(FLAGS, "--cost-model", "roofline")),
                SimulatorEvaluatorFactory.runs(sweep(SWEEP.replace("seed: 5}", "seed: 5, cost_model: roofline}"))).get(0));
        // and every default: no flag at all is no key at all
        assertEquals(fromFlags("--model", "mixtral-8x7b", "--system", "duplex-x4"),
                SimulatorEvaluatorFactory.runs(sweep("base: {model: mixtral-8x7b}\naxes: {system: [duplex-x4]}\n")).get(0));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String json(SimulationResult r) {
        return ResultJson.toJson(r.withSimWall(OptionalDouble.empty()));
    }

    /** Byte-identical result JSON but for sim_wall_s (the host's wall time), whichever way the run was stated. */
    @Test
    @Tag("slow")
    void simulateASweepPointAndTheBuilderGiveByteIdenticalResults() throws Exception {
        Path file = dir.resolve("r.json");
        String[] args = concat(concat(new String[] {"simulate"}, FLAGS), "--json", file.toString());
        CliRunner.Outcome o = CliRunner.run(args);
        assertEquals(0, o.code(), o.err());
        String cli = Files.readString(file).replaceAll(",\\s*\"sim_wall_s\"\\s*:\\s*[0-9.eE+-]+", "");
        String viaSweep = json(SimulatorEvaluatorFactory.simulate(sweep(SWEEP), 0));
        io.moesim.sim.metrics.SimulationResult builderResult = Simulator.simulate(SimulationRequest.builder("mixtral-8x7b", "duplex-x4")
                .batch(32).lengths(512, 256).requests(64).seed(5).build());
        String viaBuilder = json(builderResult);
        String viaExperiment = json(SimulatorEvaluatorFactory.simulate(Experiments.sweepSpec(experiment()), 0));
        assertEquals(viaBuilder, viaSweep);
        assertEquals(viaBuilder, viaExperiment);
        assertEquals(viaBuilder.strip(), cli.strip());
        // and what an experiment stores of it (on the sweep engine) is the sweep's row: the same figures, exactly
        ExperimentResults r = Experiments.run(experiment(), SweepRequest.local(dir.resolve("x.yaml"), dir.resolve("exp")).withParallelism(1), p -> { });
        ExperimentSpec.Setup st = r.spec().studies().get(0).setups().get(0);
        java.util.Map<String, Double> stored = new java.util.TreeMap<>(r.metrics(st, 0, "duplex"));
        // expected from the builder's run (not the sweep path the experiment itself takes)
        java.util.Map<String, Double> want = new java.util.TreeMap<>(io.moesim.sim.metrics.ResultSchema.flat(builderResult));
        io.moesim.sim.metrics.ResultSchema.ENERGY_PART_COLUMNS.forEach(stored::remove);
        assertEquals(want, stored);
        // the point under the roofline cost model (the sweep's old default) is another result: the key takes effect
        String roofline = json(SimulatorEvaluatorFactory.simulate(sweep(SWEEP.replace("seed: 5}", "seed: 5, cost_model: roofline}")), 0));
        assertNotEquals(viaSweep, roofline);
    }
}
