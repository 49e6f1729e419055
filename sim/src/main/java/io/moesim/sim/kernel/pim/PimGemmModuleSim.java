package io.moesim.sim.kernel.pim;

import io.moesim.hw.firrtl.PimGemmParams;

/**
 * Cycle model of one Logic-PIM GEMM module (the FIRRTL {@code PimGemm} block) computing
 * {@code y (N×M) = W (N×K) · x (K×M)} fed by its pseudo-channel's bank-bundle stream.
 *
 * <p>One call follows the block's FSM: IDLE (activations loaded, one chunk per clock:
 * {@code M·kc} clocks), the start clock, RUN (one weight chunk consumed per clock in which a chunk is
 * there; a clock without one is a stall), FLUSH, DONE. With a chunk always there a call takes
 * {@code P·N·kc + 3} clocks, {@code P = ceil(M/lanes)}, {@code kc = ceil(K/w)}: the generator's
 * documented formula. A GEMM larger than the activation buffer runs as several calls: tokens in
 * groups of at most {@code lanes × slots}, K in tiles of as many chunks as the group leaves room
 * for, partial sums added outside the module (in the stack's global buffer, not timed). The
 * generated module has no double buffering, so loads do not overlap compute; DRAM keeps
 * prefetching into a {@link #FIFO_CHUNKS}-chunk weight FIFO meanwhile.
 */
public final class PimGemmModuleSim {
    /** Weight chunks buffered between the bundle reads and the module (an assumption). */
    public static final int FIFO_CHUNKS = 8;
    /** Clock budget beyond which whole token groups are extrapolated instead of simulated. */
    public static final long DEFAULT_CHUNK_BUDGET = 1L << 21;
    private static final int MAX_ROWS = 65_535;

    /**
     * What one engine did.
     *
     * @param cycles       module clocks from the first load to the last DONE
     * @param stallCycles  RUN clocks without a weight chunk
     * @param loadCycles   clocks spent loading activations
     * @param chunks       weight chunks consumed
     * @param extrapolated whether later token groups were extrapolated
     */
    public record Result(long cycles, long stallCycles, long loadCycles, long chunks, long calls, boolean extrapolated) {
        public Result times(long n) {
            return new Result(cycles * n, stallCycles * n, loadCycles * n, chunks * n, calls * n, extrapolated);
        }

        public Result plus(Result o) {
            return new Result(cycles + o.cycles, stallCycles + o.stallCycles, loadCycles + o.loadCycles, chunks + o.chunks,
                    calls + o.calls, extrapolated || o.extrapolated);
        }

        public static final Result ZERO = new Result(0, 0, 0, 0, 0, false);
    }

    /**
     * The states of GEMMs of one shape (module config, n rows, k inner, the same fresh bundle stream)
     * after their first whole token groups, for the next GEMM of that shape with another number of
     * tokens. The token groups of a GEMM run one after the other, every group but the last one whole
     * ({@code lanes × slots} tokens), so the state after j whole groups (the module's clock, FIFO and
     * step, the stream's rows and refresh, the counts) does not depend on how many tokens follow: a
     * GEMM of m tokens takes it from here for its first ⌊m / group⌋ groups and simulates only the
     * rest, with the same result as simulating them all ({@code PimGemmModuleSimTest}). A prefill
     * chunk's tokens on PIM (900 to 2,000 of them in the Duplex demo, each length new) then cost
     * one group instead of 15 to 30. Not thread-safe; its owner serialises the calls.
     */
    public static final class Checkpoints {
        private final java.util.ArrayList<State> afterGroups = new java.util.ArrayList<>();

        /** Whole groups whose state is held. */
        public int size() {
            return afterGroups.size();
        }
    }

    private record State(long cycle, long chunkIndex, long arrival, long arrivalCycle, int chunksLeftInStep, long[] fifo,
            BundleStream.State stream, long stall, long load, long chunks, long calls, long afterFirstGroup) {
    }

    private final PimModuleConfig cfg;
    private final BundleStream stream;
    private final long chunkBudget;
    /** The module clock in which each of the last {@value #FIFO_CHUNKS} chunks was consumed (its FIFO slot freed). */
    private final long[] fifo = new long[FIFO_CHUNKS];
    private long cycle;
    private long chunkIndex;
    private long arrival;
    /** The first module clock at or after {@link #arrival}. */
    private long arrivalCycle;
    private int chunksLeftInStep;

    private Checkpoints checkpoints;

    private PimGemmModuleSim(PimModuleConfig cfg, BundleStream stream, long chunkBudget) {
        this.cfg = cfg;
        this.stream = stream;
        this.chunkBudget = chunkBudget;
    }

    /** Clocks of one call with a weight chunk always available (the FIRRTL formula's setting). */
    public static long callCycles(PimGemmParams p, int m, int n, int k) {
        int w = p.weightsPerStep();
        long kc = (k + w - 1) / w;
        long passes = (m + p.lanes() - 1) / p.lanes();
        if (passes * kc > p.slotsPerLane()) {
            throw new IllegalStateException("M=" + m + ", K=" + k + " do not fit the activation buffer");
        }
        // step the FSM: start clock, then RUN clocks over (pass, row, chunk), FLUSH, DONE
        long clocks = 1;
        long pass = 0, row = 0, chunk = 0;
        boolean running = true;
        while (running) {
            clocks++;
            if (++chunk == kc) {
                chunk = 0;
                if (++row == n) {
                    row = 0;
                    running = ++pass < passes;
                }
            }
        }
        return clocks + 2;
    }

    /** One engine's GEMM of M tokens, N rows of W, K inner, fed by a fresh bundle stream. */
    public static Result gemm(PimModuleConfig cfg, BundleStream stream, long m, long n, long k) {
        return gemm(cfg, stream, m, n, k, DEFAULT_CHUNK_BUDGET);
    }

    public static Result gemm(PimModuleConfig cfg, BundleStream stream, long m, long n, long k, long chunkBudget) {
        return gemm(cfg, stream, m, n, k, chunkBudget, null);
    }

    /**
     * A GEMM that starts from (and adds to) the {@code checkpoints} of its shape: they must come only
     * from GEMMs of the same config, n and k, each fed by a fresh stream of the same spec as
     * {@code stream}, which must be fresh too; null for none.
     */
    public static Result gemm(PimModuleConfig cfg, BundleStream stream, long m, long n, long k, long chunkBudget, Checkpoints checkpoints) {
        if (m <= 0 || n <= 0 || k <= 0) {
            return Result.ZERO;
        }
        PimGemmModuleSim sim = new PimGemmModuleSim(cfg, stream, chunkBudget);
        sim.checkpoints = checkpoints;
        return sim.run(m, n, k);
    }

    private Result run(long m, long n, long k) {
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
        // checkpoints hold states after whole groups of lanes × slots tokens (a GEMM of fewer tokens has one group of its own size)
        Checkpoints cps = group == (long) lanes * slots ? checkpoints : null;
        for (long g = 0; g < groups; g++) {
            long mg = Math.min(group, m - g * group);
            if (cps != null && mg == group && g < cps.afterGroups.size()) {
                State st = cps.afterGroups.get((int) g);
                cycle = st.cycle;
                chunkIndex = st.chunkIndex;
                arrival = st.arrival;
                arrivalCycle = st.arrivalCycle;
                chunksLeftInStep = st.chunksLeftInStep;
                System.arraycopy(st.fifo, 0, fifo, 0, FIFO_CHUNKS);
                stream.restore(st.stream);
                stall = st.stall;
                load = st.load;
                chunks = st.chunks;
                calls = st.calls;
                afterFirstGroup = st.afterFirstGroup;
                groupsDone = g + 1;
            } else {
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
                if (cps != null && mg == group && g == cps.afterGroups.size()) {
                    cps.afterGroups.add(new State(cycle, chunkIndex, arrival, arrivalCycle, chunksLeftInStep, fifo.clone(), stream.state(), stall,
                            load, chunks, calls, afterFirstGroup));
                }
            }
            long remainingFull = (m - (g + 1) * group) / group;
            if (chunks > chunkBudget && groupsDone >= 3 && remainingFull > 0) {
                // steady state: every full group costs the same; extrapolate them, then a remainder
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
        return new Result(cycle, stall, load, chunks, calls, extrapolated);
    }

    /**
     * One call: load, start, RUN over P·N·kc chunks, FLUSH, DONE. acc: stalls, loads, chunks.
     *
     * <p>The chunks of one DRAM step arrive together, so the module waits (if at all) only for the
     * first chunk of a step it takes and then runs one chunk per clock: the loop goes step by step.
     * The FIFO holds the clock each chunk was consumed in; its start in picoseconds (the back-pressure
     * time DRAM waits for) is computed only when a step reads it. Clock for clock the same as the
     * chunk-by-chunk loop ({@code PimGemmModuleSimTest} holds the two equal).
     */
    private void call(long m, long n, long kc, int lanes, long[] acc) {
        long passes = (m + lanes - 1) / lanes;
        long loadClocks = m * kc;
        cycle += loadClocks;
        acc[1] += loadClocks;
        cycle += 1; // start
        long total = passes * n * kc;
        long stalls = 0;
        for (long i = 0; i < total;) {
            if (chunksLeftInStep == 0) {
                long slotFree = chunkIndex >= FIFO_CHUNKS ? cfg.cycleStartPs(fifo[(int) (chunkIndex % FIFO_CHUNKS)]) : 0;
                arrival = stream.nextStep(slotFree);
                arrivalCycle = cfg.cycleAtOrAfter(arrival);
                chunksLeftInStep = cfg.chunksPerStep();
            }
            long run = Math.min(chunksLeftInStep, total - i);
            long c = Math.max(cycle, arrivalCycle);
            stalls += c - cycle;
            for (long j = 0; j < run; j++) {
                fifo[(int) (chunkIndex % FIFO_CHUNKS)] = c + j;
                chunkIndex++;
            }
            cycle = c + run;
            chunksLeftInStep -= (int) run;
            i += run;
        }
        acc[0] += stalls;
        acc[2] += total;
        cycle += 2; // flush, done
    }
}
