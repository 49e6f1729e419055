package io.moesim.sim.kernel.pim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.firrtl.PimGemmParams;
import io.moesim.ir.DType;
import io.moesim.sim.kernel.KernelFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The module simulation, which goes DRAM step by DRAM step, against the chunk-by-chunk loop it
 * replaced (kept here as {@link Reference}, the code as it was): every field of the result equal, and
 * the bundle stream left in the same state, on the PIM processors of the zoo (Logic-PIM at fp16 and
 * fp8, Bank-PIM, BankGroup-PIM) over random GEMM shapes, single calls and multi-call ones (tokens
 * over the activation buffer, K tiles, more rows than one call takes) and the extrapolated ones.
 */
class PimGemmModuleSimTest {

    /** The chunk-by-chunk loop as it was before the step-by-step one. */
    static final class Reference {
        private static final int MAX_ROWS = 65_535;
        private final PimModuleConfig cfg;
        private final BundleStream stream;
        private final long chunkBudget;
        private final long[] fifo = new long[PimGemmModuleSim.FIFO_CHUNKS];
        private long cycle;
        private long chunkIndex;
        private long arrival;
        private int chunksLeftInStep;

        Reference(PimModuleConfig cfg, BundleStream stream, long chunkBudget) {
            this.cfg = cfg;
            this.stream = stream;
            this.chunkBudget = chunkBudget;
        }

        PimGemmModuleSim.Result run(long m, long n, long k) {
            PimGemmParams p = cfg.params();
            int lanes = p.lanes();
            int slots = p.slotsPerLane();
            int w = p.weightsPerStep();
            long kcTotal = (k + w - 1) / w;
            long group = Math.min(m, (long) lanes * slots);
            long passesPerGroup = (group + lanes - 1) / lanes;
            long kcCall = Math.max(1, Math.min(kcTotal, slots / passesPerGroup));
            long groups = (m + group - 1) / group;
            long stall = 0, load = 0, chunks = 0, calls = 0;
            boolean extrapolated = false;
            long afterFirstGroup = 0;
            long groupsDone = 0;
            for (long g = 0; g < groups; g++) {
                long mg = Math.min(group, m - g * group);
                long[] acc = new long[3];
                for (long r0 = 0; r0 < n; r0 += MAX_ROWS) {
                    long ng = Math.min(MAX_ROWS, n - r0);
                    for (long c0 = 0; c0 < kcTotal; c0 += kcCall) {
                        long kc = Math.min(kcCall, kcTotal - c0);
                        call(mg, ng, kc, lanes, acc);
                    }
                }
                stall += acc[0];
                load += acc[1];
                chunks += acc[2];
                calls += ((n + MAX_ROWS - 1) / MAX_ROWS) * ((kcTotal + kcCall - 1) / kcCall);
                groupsDone++;
                if (g == 0) {
                    afterFirstGroup = cycle;
                }
                long remainingFull = (m - (g + 1) * group) / group;
                if (chunks > chunkBudget && groupsDone >= 3 && remainingFull > 0) {
                    double perGroup = (double) (cycle - afterFirstGroup) / (groupsDone - 1);
                    double scale = remainingFull;
                    long rem = m - (g + 1 + remainingFull) * group;
                    scale += (double) rem / group;
                    cycle += Math.round(perGroup * scale);
                    double ratio = scale / groupsDone;
                    stall += Math.round(stall * ratio);
                    load += Math.round(load * ratio);
                    chunks += Math.round(chunks * ratio);
                    calls += Math.round(calls * ratio);
                    extrapolated = true;
                    break;
                }
            }
            return new PimGemmModuleSim.Result(cycle, stall, load, chunks, calls, extrapolated);
        }

        private void call(long m, long n, long kc, int lanes, long[] acc) {
            long passes = (m + lanes - 1) / lanes;
            long loadClocks = m * kc;
            cycle += loadClocks;
            acc[1] += loadClocks;
            cycle += 1;
            long total = passes * n * kc;
            for (long i = 0; i < total; i++) {
                long ready = nextChunk();
                long c = Math.max(cycle, cfg.cycleAtOrAfter(ready));
                acc[0] += c - cycle;
                fifo[(int) (chunkIndex % PimGemmModuleSim.FIFO_CHUNKS)] = cfg.cycleStartPs(c);
                chunkIndex++;
                cycle = c + 1;
            }
            acc[2] += total;
            cycle += 2;
        }

        private long nextChunk() {
            if (chunksLeftInStep == 0) {
                long slotFree = chunkIndex >= PimGemmModuleSim.FIFO_CHUNKS ? fifo[(int) (chunkIndex % PimGemmModuleSim.FIFO_CHUNKS)] : 0;
                arrival = stream.nextStep(slotFree);
                chunksLeftInStep = cfg.chunksPerStep();
            }
            chunksLeftInStep--;
            return arrival;
        }
    }

    private record Case(String name, ProcessorSpec p, DeviceSpec d, DType dtype) {
    }

    private static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        DeviceSpec duplex = KernelFixtures.duplex();
        ProcessorSpec logic = duplex.processor("logic_pim").orElseThrow();
        out.add(new Case("duplex logic_pim fp16", logic, duplex, DType.FP16));
        if (logic.macsPerCycle().containsKey(DType.FP8_E4M3)) {
            out.add(new Case("duplex logic_pim fp8", logic, duplex, DType.FP8_E4M3));
        }
        for (String id : new String[] {"bank-pim", "bankgroup-pim", "logic-pim"}) {
            DeviceSpec d = KernelFixtures.target(id);
            for (ProcessorSpec p : d.processors().values()) {
                if (p.pim().isPresent()) {
                    out.add(new Case(id + " " + p.name() + " fp16", p, d, DType.FP16));
                }
            }
        }
        return out;
    }

    private static void same(Case c, long m, long n, long k, long budget) {
        same(c, m, n, k, budget, null);
    }

    private static void same(Case c, long m, long n, long k, long budget, PimGemmModuleSim.Checkpoints cps) {
        PimModuleConfig cfg = PimModuleConfig.of(c.p(), c.d().memory(), c.dtype());
        PimSpecStream a = new PimSpecStream(c);
        PimSpecStream b = new PimSpecStream(c);
        PimGemmModuleSim.Result fast = PimGemmModuleSim.gemm(cfg, a.stream, m, n, k, budget, cps);
        PimGemmModuleSim.Result ref = new Reference(cfg, b.stream, budget).run(m, n, k);
        String at = c.name() + " m=" + m + " n=" + n + " k=" + k + " budget=" + budget;
        assertEquals(ref, fast, at);
        assertEquals(b.stream.steps(), a.stream.steps(), at + " steps");
        assertEquals(b.stream.rowSwitches(), a.stream.rowSwitches(), at + " row switches");
        assertEquals(b.stream.refreshes(), a.stream.refreshes(), at + " refreshes");
    }

    private static final class PimSpecStream {
        final BundleStream stream;

        PimSpecStream(Case c) {
            stream = new BundleStream(c.p().pim().orElseThrow(), c.d().memory());
        }
    }

    @Test
    void stepByStepEqualsChunkByChunk() {
        SplittableRandom rnd = new SplittableRandom(16);
        List<Case> cases = cases();
        assertTrue(cases.size() >= 3, "PIM processors found: " + cases.size());
        int checked = 0;
        for (Case c : cases) {
            // the serving shapes: Mixtral's experts over 160 engines, decode attention rows
            same(c, 1, 180, 4096, PimGemmModuleSim.DEFAULT_CHUNK_BUDGET);
            same(c, 37, 90, 14336, PimGemmModuleSim.DEFAULT_CHUNK_BUDGET);
            same(c, 8, 1024, 128, PimGemmModuleSim.DEFAULT_CHUNK_BUDGET);
            same(c, 4, 128, 1536, PimGemmModuleSim.DEFAULT_CHUNK_BUDGET);
            for (int i = 0; i < 40; i++) {
                long m = 1 + rnd.nextInt(i % 4 == 0 ? 1000 : 70);
                long n = 1 + rnd.nextInt(i % 5 == 0 ? 70_000 : 400);
                long k = 1 + rnd.nextInt(i % 3 == 0 ? 20_000 : 600);
                // a small budget makes long GEMMs extrapolate their later token groups
                long budget = i % 7 == 0 ? 1 + rnd.nextInt(5000) : PimGemmModuleSim.DEFAULT_CHUNK_BUDGET;
                if (m * n * k > 50_000_000L) {
                    n = Math.max(1, 50_000_000L / (m * k));
                }
                same(c, m, n, k, budget);
                checked++;
            }
        }
        assertTrue(checked >= 120);
    }

    /**
     * GEMMs of one shape with varied token counts, in random order, sharing their checkpoints: each
     * equals the chunk-by-chunk loop run from scratch (fewer tokens than a group, whole groups, a
     * partial last group, long ones extrapolated under a small chunk budget).
     */
    @Test
    void gemmsStartingFromCheckpointsEqualTheirWholeSimulation() {
        SplittableRandom rnd = new SplittableRandom(1616);
        int resumed = 0;
        for (Case c : cases()) {
            PimModuleConfig cfg = PimModuleConfig.of(c.p(), c.d().memory(), c.dtype());
            long group = (long) cfg.params().lanes() * cfg.slotsPerLane();
            for (long[] nk : new long[][] {{180, 4096}, {26, 14336}, {7, 300}, {1 + rnd.nextInt(300), 1 + rnd.nextInt(3000)}}) {
                long n = nk[0];
                long k = nk[1];
                long perGroup = Math.max(1, n * k * group / Math.max(1, cfg.params().weightsPerStep()));
                long maxGroups = Math.max(2, Math.min(40, 20_000_000L / perGroup));
                PimGemmModuleSim.Checkpoints cps = new PimGemmModuleSim.Checkpoints();
                for (int i = 0; i < 12; i++) {
                    long m = i % 4 == 0 ? 1 + rnd.nextLong(group) : 1 + rnd.nextLong(maxGroups * group);
                    if (i % 5 == 1) {
                        m = group * (1 + rnd.nextLong(maxGroups)); // whole groups only
                    }
                    long budget = i % 3 == 2 ? 1 + rnd.nextLong(4 * perGroup) : PimGemmModuleSim.DEFAULT_CHUNK_BUDGET;
                    int before = cps.size();
                    same(c, m, n, k, budget, cps);
                    if (before > 0 && m > group) {
                        resumed++;
                    }
                }
                assertTrue(cps.size() > 0, c.name() + " n=" + n + " k=" + k + ": no checkpoint kept");
            }
        }
        assertTrue(resumed >= 40, "GEMMs that started from a checkpoint: " + resumed);
    }
}
