package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.Targets;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Op;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Seeded property tests over random ops on every processor of h100 and duplex. */
class KernelPropertiesTest {

    private record Case(Op op, List<TensorType> inputs) {
    }

    private static Case random(SplittableRandom r) {
        DType dt = DType.FP16;
        switch (r.nextInt(5)) {
            case 0 -> {
                long m = 1 + r.nextInt(2048);
                long k = 64L * (1 + r.nextInt(64));
                long n = 64L * (1 + r.nextInt(64));
                return new Case(new MatMul(k, n, dt), List.of(TensorType.of(dt, m, k)));
            }
            case 1 -> {
                int experts = 1 + r.nextInt(8);
                long[] t = new long[experts];
                long sum = 0;
                for (int i = 0; i < experts; i++) {
                    t[i] = r.nextInt(64);
                    sum += t[i];
                }
                long h = 256L * (1 + r.nextInt(8));
                long f = 256L * (1 + r.nextInt(16));
                return new Case(new ExpertFfn(experts, 1, LongImmutableList.of(t), h, f, FfnActivation.SWIGLU, dt),
                        List.of(TensorType.of(dt, sum, h)));
            }
            case 2 -> {
                int kvh = 1 << r.nextInt(4);
                int heads = kvh * (1 << r.nextInt(3));
                long b = 1 + r.nextInt(16);
                long kv = 1 + r.nextInt(4096);
                long q = r.nextBoolean() ? 1 : Math.min(kv, 1 + r.nextInt(512));
                int d = 64;
                long rows = b * q;
                return new Case(new Attention(heads, kvh, d, b, q, kv, q > 1, 0, dt), List.of(TensorType.of(dt, rows, (long) heads * d),
                        TensorType.of(dt, rows, (long) kvh * d), TensorType.of(dt, rows, (long) kvh * d)));
            }
            case 3 -> {
                long rows = 1 + r.nextInt(4096);
                long h = 128L * (1 + r.nextInt(32));
                return new Case(new Norm(Norm.Kind.RMS, h, 1e-5, dt), List.of(TensorType.of(dt, rows, h)));
            }
            default -> {
                TensorType x = TensorType.of(dt, 1 + r.nextInt(4096), 128L * (1 + r.nextInt(64)));
                return new Case(new Elementwise(Elementwise.Kind.SILU), List.of(x));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void simulatedTimeIsNeverBelowTheRoofline(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        KernelSimulator sim = new KernelSimulator();
        for (DeviceSpec d : List.of(KernelFixtures.h100(), KernelFixtures.duplex())) {
            for (int i = 0; i < 25; i++) {
                Case c = random(r);
                for (var p : d.processorList()) {
                    OpEstimate e = sim.estimate(c.op, c.inputs, d, p);
                    assertTrue(e.latencyUs() >= e.rooflineUs() * (1 - 1e-9), c.op + " on " + p.name() + ": " + e.latencyUs() + " < "
                            + e.rooflineUs());
                    // the simulated part alone (before the roofline floor) must not undercut it either
                    double simulated = e.breakdown().launchUs() + Math.max(e.breakdown().computeUs(), e.breakdown().memoryUs());
                    assertTrue(simulated >= e.rooflineUs() * 0.999, c.op + " on " + p.name() + ": simulated " + simulated + " < roofline "
                            + e.rooflineUs());
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {4, 5})
    void moreBandwidthOrComputeIsNeverSlower(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DeviceSpec base = KernelFixtures.h100();
        DeviceSpec moreStacks = Targets.load("h100", List.of("memory.stacks=6", "memory.hbm_bandwidth_GBps=3994",
                "memory.capacity_GB=96"));
        DeviceSpec moreSms = Targets.load("h100", List.of("processors.gpu.engines=144"));
        DeviceSpec fasterClock = Targets.load("h100", List.of("processors.gpu.clock_MHz=1980"));
        KernelSimulator sim = new KernelSimulator();
        for (int i = 0; i < 30; i++) {
            Case c = random(r);
            double t = sim.estimate(c.op, c.inputs, base, base.primary()).latencyUs();
            for (DeviceSpec better : List.of(moreStacks, moreSms, fasterClock)) {
                double u = sim.estimate(c.op, c.inputs, better, better.primary()).latencyUs();
                assertTrue(u <= t * (1 + 1e-9), c.op + " slower on " + better.processors() + ": " + u + " > " + t);
            }
        }
        DeviceSpec duplex = KernelFixtures.duplex();
        DeviceSpec fasterPim = Targets.load("duplex", List.of("processors.logic_pim.clock_MHz=700"));
        for (int i = 0; i < 10; i++) {
            Case c = random(r);
            double t = sim.estimate(c.op, c.inputs, duplex, duplex.pimProcessor().orElseThrow()).latencyUs();
            double u = sim.estimate(c.op, c.inputs, fasterPim, fasterPim.pimProcessor().orElseThrow()).latencyUs();
            assertTrue(u <= t * 1.0001, c.op + ": faster PIM clock slower " + u + " > " + t);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {9})
    void sameInputsSameJsonAndMemoised(long seed) {
        DeviceSpec d = KernelFixtures.duplex();
        KernelSimulator a = new KernelSimulator();
        KernelSimulator b = new KernelSimulator();
        SplittableRandom r1 = new SplittableRandom(seed);
        SplittableRandom r2 = new SplittableRandom(seed);
        for (int i = 0; i < 15; i++) {
            Case c1 = random(r1);
            Case c2 = random(r2);
            for (var p : d.processorList()) {
                assertEquals(a.estimate(c1.op, c1.inputs, d, p).toJson(), b.estimate(c2.op, c2.inputs, d, p).toJson());
            }
        }
        long misses = a.cache().misses();
        Case again = random(new SplittableRandom(seed));
        a.estimate(again.op, again.inputs, d, d.primary());
        assertEquals(misses, a.cache().misses());
        assertTrue(a.cache().hits() >= 1);
    }
}
