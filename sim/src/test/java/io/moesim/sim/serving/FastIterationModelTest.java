package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Routing;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.energy.EnergyConstants;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.metrics.LatencyStats;
import io.moesim.sim.metrics.ResultJson;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.util.Locale;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fast iteration model against the exact one (every signature compiled and simulated event by
 * event), through the real compiler and the kernel cost model, on Mixtral cut to 2 layers so the
 * exact runs stay short: Duplex co-processing (duplex-x4), skewed routing (zipf:1.2), an H100 pair
 * in fp8, open loop with varied lengths and closed loop.
 *
 * <p>The bound stated: throughput and the TBT p50 within {@value #BOUND_PCT}% of the exact path; TBT
 * p90/p99 and the TTFT p50 within {@value #TAIL_BOUND_PCT}%. The tail is the iterations that carry
 * prefill chunks, interpolated on a coarser grid, and a TBT p90 often sits on the cliff between
 * decode-only and mixed iterations, where a small shift in the share of mixed gaps moves it a lot
 * (measured when written: up to 10.0% on zipf:1.2, 7.0% on the H100 pair, 0.0% on the uniform
 * Duplex run; since the routing draw is seeded without the context and Duplex skips idle experts,
 * zipf:1.2 measures throughput 0.001%, TBT p50 0.001%, p90 0.001%, p99 0.053%, TTFT p50 1.7%). The 1% on every percentile that issue 16 asks for is not met, and the bound is not
 * general: the same Duplex runs at 800 requests/s (up to 128 decodes, few repeats) measured
 * throughput 1.4% and TBT p50 8.1% off on zipf:1.2, where each signature's own routing draw makes
 * the exact cost jump between neighbouring shapes (the reason exact is the default).
 */
@Tag("slow")
class FastIterationModelTest {
    static final double BOUND_PCT = 1.0;
    static final double TAIL_BOUND_PCT = 12.0;
    static final ModelConfig MIXTRAL2 = ModelZoo.get("Mixtral-8x7B").withLayers(2);

    private static SimulationResult run(SimulationRequest.Builder b, String system, IterationModel.Kind kind) {
        SystemSpec sys = Systems.load(system);
        KernelCostModel cost = new KernelCostModel();
        int n = sys.devices();
        CompileOptions d = CompileOptions.defaults();
        CompileOptions.Parallelism tp = new CompileOptions.Parallelism(n, 1, 1, 1);
        CompileOptions opts = new CompileOptions(tp, tp, d.placement(), d.expertPlacement(), d.overlap(), d.tiles(), null,
                d.ilpTimeLimitSeconds(), d.seed());
        SimulationRequest r = b.compileOptions(opts).costModel(cost).iterationModel(kind).build();
        return Simulator.simulate(r, MIXTRAL2, sys, g -> Compiler.compile(g, sys, opts, cost).plan()).withSimWall(OptionalDouble.empty());
    }

    private static double pct(double exact, double fast) {
        return 100 * Math.abs(fast - exact) / exact;
    }

    private static void assertClose(String run, SimulationResult exact, SimulationResult fast) {
        LatencyStats e = exact.tbt();
        LatencyStats f = fast.tbt();
        String msg = String.format(Locale.ROOT, "%s: throughput %.3f%%, tbt p50 %.3f%% p90 %.3f%% p99 %.3f%%, ttft p50 %.3f%%; simulated %d of %d / %d",
                run, pct(exact.throughputTokensPerS(), fast.throughputTokensPerS()), pct(e.p50Ms(), f.p50Ms()), pct(e.p90Ms(), f.p90Ms()),
                pct(e.p99Ms(), f.p99Ms()), pct(exact.ttft().p50Ms(), fast.ttft().p50Ms()), fast.caches().get("simulated"),
                exact.caches().get("simulated"), exact.iterations());
        System.out.println("FAST-VS-EXACT " + msg);
        assertEquals(exact.outputTokens(), fast.outputTokens(), msg);
        assertTrue(pct(exact.throughputTokensPerS(), fast.throughputTokensPerS()) <= BOUND_PCT, msg);
        assertTrue(pct(e.p50Ms(), f.p50Ms()) <= BOUND_PCT, msg);
        assertTrue(pct(e.p90Ms(), f.p90Ms()) <= TAIL_BOUND_PCT, msg);
        assertTrue(pct(e.p99Ms(), f.p99Ms()) <= TAIL_BOUND_PCT, msg);
        assertTrue(pct(exact.ttft().p50Ms(), fast.ttft().p50Ms()) <= TAIL_BOUND_PCT, msg);
    }

    private static void compare(String run, SimulationRequest.Builder b, String system) {
        SimulationResult exact = run(b, system, IterationModel.Kind.EXACT);
        SimulationResult fast = run(b, system, IterationModel.Kind.FAST);
        assertClose(run, exact, fast);
        // determinism on both paths: the same request gives the same bytes
        assertEquals(ResultJson.toJson(fast), ResultJson.toJson(run(b, system, IterationModel.Kind.FAST)), run + " fast");
        if (run.startsWith("duplex-x4 open")) {
            assertEquals(ResultJson.toJson(exact), ResultJson.toJson(run(b, system, IterationModel.Kind.EXACT)), run + " exact");
        }
    }

    @Test
    void duplexOpenLoopWithVariedLengths() {
        compare("duplex-x4 open loop gaussian:0.2", SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").qps(40).requests(300)
                .lengths(512, 256).lengths("gaussian:0.2").maxBatch(128).seed(3), "duplex-x4");
    }

    @Test
    void duplexSkewedRouting() {
        compare("duplex-x4 zipf:1.2", SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").qps(40).requests(300).lengths(512, 256)
                .lengths("gaussian:0.2").routing("zipf:1.2").maxBatch(128).seed(5), "duplex-x4");
    }

    @Test
    void h100PairClosedLoopFp8() {
        compare("h100x2 closed fp8", SimulationRequest.builder("Mixtral-8x7B", "h100x2").batch(256).requests(512).lengths(400, 200)
                .lengths("gaussian:0.1").dtype("fp8e4m3").seed(1), "h100x2");
    }

    /**
     * The mechanism behind the skewed-routing bound, shape by shape: on Duplex with zipf:1.2 a decode iteration's cost jumps
     * with its routing draw (how many experts are idle, which go to PIM), and the fast path interpolates a decode (n, c)
     * between (n, c_lo) and (n, c_hi). Those corners route the same n tokens; their draw is seeded by the routed shape, not
     * by the context, so they carry (n, c)'s expert loads and the interpolation is over attention alone (near affine in c).
     * Seeded by the context too, the corners drew other loads and single shapes were off by several percent.
     */
    @Test
    void skewedDecodeShapesInterpolateOverContextAlone() {
        BatchSignature a = new BatchSignature(24, 700, 0, 0);
        assertEquals(a.mix(5), new BatchSignature(24, 1024, 0, 0).mix(5), "the context routes no token");
        assertTrue(a.mix(5) != new BatchSignature(25, 700, 0, 0).mix(5), "another number of decodes is another draw");
        IterationCache cache = duplexCache("zipf:1.2", 5);
        FastIterationModel fast = new FastIterationModel(cache);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(18);
        double worst = 0;
        for (int i = 0; i < 12; i++) {
            // few decodes (idle experts are common under zipf:1.2), a context off the 1-bit grid
            BatchSignature s = new BatchSignature(1 + rnd.nextInt(40), 520 + rnd.nextInt(480), 0, 0);
            double err = pct(cache.get(s).makespanPs(), fast.get(s).makespanPs());
            System.out.println(String.format(Locale.ROOT, "FAST-BY-SHAPE zipf decodes=%d context=%d %.3f%%", s.decodes(), s.decodeContext(), err));
            worst = Math.max(worst, err);
        }
        assertTrue(worst <= BOUND_PCT, "a skewed decode shape off by " + worst + "%");
    }

    @Test
    void gridSignaturesAreAnsweredExactly() {
        IterationCache cache = duplexCache("uniform", 3);
        FastIterationModel fast = new FastIterationModel(cache);
        // 24 decodes (below 2^5) at a context of 1024 (a grid value at any number of bits): the exact answer
        BatchSignature onGrid = new BatchSignature(24, 1024, 0, 0);
        IterationOutcome f = fast.get(onGrid);
        IterationOutcome e = cache.get(onGrid);
        assertEquals(e.makespanPs(), f.makespanPs());
        assertArrayEquals(e.busyPs(), f.busyPs());
        assertEquals(e.flops(), f.flops());
        assertEquals(1, cache.size(), "one simulation, shared");
    }

    /** The exact iteration cache of Mixtral cut to 2 layers on duplex-x4 at TP 4, kernel cost model. */
    private static IterationCache duplexCache(String routing, long seed) {
        SystemSpec sys = Systems.load("duplex-x4");
        KernelCostModel cost = new KernelCostModel();
        CompileOptions d = CompileOptions.defaults();
        CompileOptions.Parallelism tp = new CompileOptions.Parallelism(4, 1, 1, 1);
        CompileOptions opts = new CompileOptions(tp, tp, d.placement(), d.expertPlacement(), d.overlap(), d.tiles(), null,
                d.ilpTimeLimitSeconds(), d.seed());
        return new IterationCache(MIXTRAL2, null, Routing.parse(routing), seed, sys, g -> Compiler.compile(g, sys, opts, cost).plan(), cost,
                CollectiveAlgorithm.AUTO, new EnergyModel(sys, EnergyConstants.defaults()));
    }

    @Test
    void bracketsByHand() {
        // below 2^bits every value is a grid point
        assertArrayEquals(new long[] {5, 5}, FastIterationModel.bracket(5, 3));
        assertArrayEquals(new long[] {0, 0}, FastIterationModel.bracket(0, 1));
        // 3 bits: 1000 = 0b1111101000, step 2^(9-3+1) = 128: 896 <= 1000 < 1024
        assertArrayEquals(new long[] {896, 1024}, FastIterationModel.bracket(1000, 3));
        assertArrayEquals(new long[] {1024, 1024}, FastIterationModel.bracket(1024, 3));
        // 1 bit: powers of two
        assertArrayEquals(new long[] {1024, 2048}, FastIterationModel.bracket(1500, 1));
        // 5 bits: exact below 32, steps of 2 to 63, of 4 to 127, of 8 to 255, of 16 from 256 (301 = 0b100101101)
        assertArrayEquals(new long[] {30, 30}, FastIterationModel.bracket(30, 5));
        assertArrayEquals(new long[] {40, 42}, FastIterationModel.bracket(41, 5));
        assertArrayEquals(new long[] {68, 68}, FastIterationModel.bracket(68, 5));
        assertArrayEquals(new long[] {64, 68}, FastIterationModel.bracket(67, 5));
        assertArrayEquals(new long[] {288, 304}, FastIterationModel.bracket(301, 5));
    }
}
