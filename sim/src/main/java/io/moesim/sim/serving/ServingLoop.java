package io.moesim.sim.serving;

import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.sim.SimulationException;
import io.moesim.sim.energy.EnergyBreakdown;
import io.moesim.sim.metrics.LatencyStats;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.trace.TraceWriter;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The serving level: requests arrive, the {@link Scheduler} forms each iteration, the
 * {@link IterationModel} gives its simulated duration, and time advances by it. Iterations run back
 * to back while there is work; with nothing to do, time jumps to the next arrival.
 *
 * <p>With {@link Speculation}, every iteration with decodes is costed with each decode verifying k + 1
 * tokens, plus the proposer's time; each decode emits 1 + its accepted proposals, never past L_out.
 */
public final class ServingLoop {
    /** Called after every iteration. */
    @FunctionalInterface
    public interface Progress {
        void update(long completed, long total, long simulatedPs);
    }

    private final ServingConfig config;
    private final IterationModel cache;
    private final SystemSpec system;
    private final double staticWatts;
    private final long kvCapacity;
    private final DType dtype;
    private final double prefixHit;
    private final FrameworkProfile.Serving engine;
    private final Speculation speculation;
    private final IterationModel draft;
    private final int layers;
    private final boolean mixed;
    private Map<String, Object> speculationSection;

    public ServingLoop(ServingConfig config, IterationModel cache, SystemSpec system, double staticWatts, long kvCapacityTokens, DType dtype) {
        this(config, cache, system, staticWatts, kvCapacityTokens, dtype, 0);
    }

    /**
     * @param prefixHit share of each prompt found in the prefix cache (see {@link PrefixCache}); 0 for none
     */
    public ServingLoop(ServingConfig config, IterationModel cache, SystemSpec system, double staticWatts, long kvCapacityTokens, DType dtype,
            double prefixHit) {
        this(config, cache, system, staticWatts, kvCapacityTokens, dtype, prefixHit, null);
    }

    /**
     * @param engine the serving engine's own work per iteration (its framework profile's {@code serving:}
     *        figures): added to every iteration's time, as the GPUs wait for it, and echoed with the
     *        iteration counts as {@code engine_overhead}; null for none and no echo (hypothetical hardware)
     */
    public ServingLoop(ServingConfig config, IterationModel cache, SystemSpec system, double staticWatts, long kvCapacityTokens, DType dtype,
            double prefixHit, FrameworkProfile.Serving engine) {
        this(config, cache, system, staticWatts, kvCapacityTokens, dtype, prefixHit, engine, null, null, 1);
    }

    /**
     * @param speculation speculative decoding of every decode (see {@link Speculation}): the iteration
     *        is costed with each decode verifying k + 1 query tokens (a decode-shaped pass, its KV read
     *        once), plus the proposer's time (MTP: k × a plain decode step of the iteration's decodes / L;
     *        draft: k plain decode steps of the draft model); each decode then emits 1 + its accepted
     *        proposals, drawn from its own seeded stream; null for none
     * @param draft the draft model's iteration costs for {@link Speculation.Method#DRAFT}; null otherwise
     * @param layers the target model's layers (MTP's proposer is one layer of them)
     */
    public ServingLoop(ServingConfig config, IterationModel cache, SystemSpec system, double staticWatts, long kvCapacityTokens, DType dtype,
            double prefixHit, FrameworkProfile.Serving engine, Speculation speculation, IterationModel draft, int layers) {
        this(config, cache, system, staticWatts, kvCapacityTokens, dtype, prefixHit, engine, speculation, draft, layers, true);
    }

    /**
     * @param mixed whether an iteration may hold prefill chunks beside decodes; false: each iteration is prefill-only or
     *        decode-only, prefill first whenever a prompt can be admitted ({@link Scheduler#separatePhases}, SGLang's
     *        default, and what a wide-EP instance's {@link WideEpIterationModel} prices)
     */
    public ServingLoop(ServingConfig config, IterationModel cache, SystemSpec system, double staticWatts, long kvCapacityTokens, DType dtype,
            double prefixHit, FrameworkProfile.Serving engine, Speculation speculation, IterationModel draft, int layers, boolean mixed) {
        this.mixed = mixed;
        SpeculativeRun.check(speculation, draft, layers);
        this.speculation = speculation;
        this.draft = draft;
        this.layers = layers;
        this.engine = engine;
        this.prefixHit = PrefixCache.check(prefixHit);
        this.config = config;
        this.cache = cache;
        this.system = system;
        this.staticWatts = staticWatts;
        this.kvCapacity = kvCapacityTokens;
        this.dtype = dtype;
    }

    /**
     * The {@code speculation} section of the last run (method, k, acceptance, steps, proposed and
     * accepted tokens, tokens per step, as the disaggregated run's), null without speculation.
     */
    public Map<String, Object> speculationSection() {
        return speculationSection == null ? null : new LinkedHashMap<>(speculationSection);
    }

    /** Generates the requests: arrival times (−1 = released by a closed loop) and lengths, seeded. */
    List<Sequence> workload() {
        if (config.requests() > MAX_REQUESTS) {
            throw new SimulationException(0, "serving loop", String.format(java.util.Locale.ROOT,
                    "%,d requests is more than one run holds (at most %,d: each request is kept in memory); split the run", config.requests(),
                    MAX_REQUESTS));
        }
        SplittableRandom root = new SplittableRandom(config.seed());
        SplittableRandom lengthRnd = root.split();
        SplittableRandom arrivalRnd = root.split();
        List<Sequence> out = new ArrayList<>();
        ArrivalSpec a = config.arrival();
        if (a instanceof ArrivalSpec.Trace t) {
            int n = Math.min(config.requests(), t.in().length);
            for (int i = 0; i < n; i++) {
                out.add(new Sequence(i, arrivalPs(t.arrivalS()[i], i), t.in()[i], t.out()[i]));
            }
            return out;
        }
        double clock = 0;
        NumpyLegacyRandom numpy = a instanceof ArrivalSpec.Poisson p && p.gaps() == ArrivalSpec.PoissonGaps.NUMPY
                ? new NumpyLegacyRandom(config.seed()) : null;
        for (int i = 0; i < config.requests(); i++) {
            int[] len = config.lengths().draw(i, config.nominalIn(), config.nominalOut(), lengthRnd);
            long arrival;
            if (a instanceof ArrivalSpec.Poisson p) {
                if (numpy == null) {
                    clock += -Math.log(1.0 - arrivalRnd.nextDouble()) / p.ratePerS();
                } else if (i > 0) {
                    clock += (1.0 / p.ratePerS()) * numpy.nextExponential(); // the benchmarks send, then sleep scale x the draw, as numpy multiplies
                }
                arrival = arrivalPs(clock, i);
            } else {
                int concurrency = ((ArrivalSpec.Closed) a).concurrency();
                arrival = i < concurrency ? 0 : -1;
            }
            out.add(new Sequence(i, arrival, len[0], len[1]));
        }
        return out;
    }

    /**
     * The most simulated time a run may reach: a quarter of the picosecond clock's range (about 26
     * days), so that sums of times (busy time, latencies) cannot overflow either.
     */
    public static final long MAX_SIMULATED_PS = Long.MAX_VALUE / 4;
    /** Requests per run at most: every request's state and latencies are kept (about 200 bytes each). */
    public static final int MAX_REQUESTS = 10_000_000;

    private static long arrivalPs(double seconds, int request) {
        double ps = seconds * 1e12;
        if (!(ps >= 0) || ps > MAX_SIMULATED_PS) {
            throw new SimulationException(0, "serving loop", String.format(java.util.Locale.ROOT,
                    "request %d arrives at %.4g s, beyond the %.0f s (about %d days) of simulated time the picosecond clock can hold; "
                    + "raise the request rate or lower the request count", request, seconds, MAX_SIMULATED_PS / 1e12,
                    Math.round(MAX_SIMULATED_PS / 1e12 / 86400)));
        }
        return Math.round(ps);
    }

    /** Receives each request's TTFT and TPOT (−1 when it produced fewer than 2 tokens), in picoseconds. */
    @FunctionalInterface
    public interface RequestSink {
        void request(long ttftPs, long tpotPs);
    }

    public SimulationResult run(Map<String, Object> configEcho, TraceWriter trace, long traceIterations, Progress progress) {
        return run(configEcho, trace, traceIterations, progress, null);
    }

    /** The same, telling {@code requests} (may be null) each request's latencies at the end. */
    public SimulationResult run(Map<String, Object> configEcho, TraceWriter trace, long traceIterations, Progress progress, RequestSink requests) {
        List<Sequence> all = workload();
        int total = all.size();
        long resident = PrefixCache.apply(all, prefixHit);
        EngineWork work = new EngineWork(engine);
        Scheduler sched = work.scheduler(config.maxBatch(), config.tokenBudget(), PrefixCache.capacityLeft(kvCapacity, resident));
        SpeculativeRun spec = speculation == null ? null : new SpeculativeRun(speculation, draft, layers, config.seed(), total);
        int specK = spec == null ? 0 : spec.k();
        if (spec != null) {
            sched.speculate(specK);
        }
        if (!mixed) {
            sched.separatePhases();
        }
        boolean closed = config.arrival() instanceof ArrivalSpec.Closed;
        int nextArrival = 0;
        int released = closed ? Math.min(total, ((ArrivalSpec.Closed) config.arrival()).concurrency()) : total;
        long now = 0;
        long completed = 0;
        long iterations = 0;
        LongArrayList gaps = new LongArrayList();
        Scheduler.TokenSink sink = gaps::add;
        String[] names = cache.processorNames();
        long[] busy = new long[names.length];
        long intraBusy = 0;
        long interBusy = 0;
        double flops = 0;
        double memPs = 0;
        double rooflinePs = 0;
        EnergyBreakdown dynamic = EnergyBreakdown.ZERO;
        long promptTokens = 0;
        while (completed < total) {
            while (nextArrival < total && all.get(nextArrival).arrivalPs >= 0 && all.get(nextArrival).arrivalPs <= now) {
                sched.arrive(all.get(nextArrival++));
            }
            Batch b = sched.form(now);
            if (b.isEmpty()) {
                if (nextArrival < total && all.get(nextArrival).arrivalPs >= 0) {
                    now = Math.max(now, all.get(nextArrival).arrivalPs);
                    continue;
                }
                throw new SimulationException(now, "serving loop", "stalled with " + (total - completed) + " request(s) unfinished and nothing runnable");
            }
            int k = b.decodes.isEmpty() ? 0 : specK;
            BatchSignature sig = BatchSignature.of(b, config.signatureBits(), k);
            IterationOutcome o = cache.get(sig);
            long start = now;
            long engineWork = work.charge(b.decodes.size() + b.prefills.size());
            int[] emitted = null;
            long propose = 0;
            if (k > 0) {
                // the proposer: k plain decode steps of the iteration's decodes (MTP: one layer of the target's)
                BatchSignature step = new BatchSignature(b.decodes.size(), BatchSignature.of(b, config.signatureBits()).decodeContext(), 0, 0, 0);
                propose = spec.proposePs(cache, step);
                emitted = spec.step(b.decodes);
            }
            now = Math.addExact(now, Math.max(1, o.makespanPs()) + propose + engineWork);
            if (now > MAX_SIMULATED_PS) {
                throw new SimulationException(now, "serving loop", "simulated time passed " + Math.round(MAX_SIMULATED_PS / 1e12)
                        + " s, the most the picosecond clock can hold; serve fewer requests");
            }
            for (int i = 0; i < busy.length; i++) {
                busy[i] += o.busyPs()[i];
            }
            intraBusy += o.intraLinkBusyPs();
            interBusy += o.interLinkBusyPs();
            flops += o.flops();
            memPs += o.memoryBoundPs();
            rooflinePs += o.rooflinePs();
            dynamic = dynamic.plus(o.dynamicEnergy());
            promptTokens += b.prefillTokens();
            if (trace != null && iterations < traceIterations) {
                // cached outcomes keep no execution: the trace asks for this signature's event-level one
                IterationOutcome shown = o.execution() != null ? o : cache.exact(sig);
                trace.iteration(iterations, start, o.makespanPs(), b.decodes.size(), b.prefills.size(), b.prefillTokens(),
                        shown.execution().plan().devices());
                trace.execution(shown.execution(), start);
            }
            iterations++;
            List<Sequence> done = sched.complete(b, now, sink, emitted);
            completed += done.size();
            if (closed) {
                for (int i = 0; i < done.size() && released < total; i++) {
                    all.get(released++).arrivalPs = now;
                }
            }
            if (progress != null) {
                progress.update(completed, total, now);
            }
        }

        long[] ttft = new long[total];
        long[] e2e = new long[total];
        long[] tpot = new long[total];
        int tpotCount = 0;
        long outputTokens = 0;
        for (int i = 0; i < total; i++) {
            Sequence s = all.get(i);
            ttft[i] = s.ttftPs();
            e2e[i] = s.e2ePs();
            outputTokens += s.generated;
            long t = s.tpotPs();
            if (t >= 0) {
                tpot[tpotCount++] = t;
            }
            if (requests != null) {
                requests.request(ttft[i], t);
            }
        }
        double seconds = now / 1e12;
        if (work.echo() != null) {
            configEcho = new LinkedHashMap<>(configEcho);
            configEcho.put("engine_overhead", work.echo());
        }
        speculationSection = spec == null ? null : spec.section();
        int devices = system.devices();
        Map<String, Double> util = new TreeMap<>();
        for (int i = 0; i < names.length; i++) {
            util.put(names[i], busy[i] / (double) now / devices);
        }
        Map<String, Double> linkUtil = new TreeMap<>();
        linkUtil.put("intra_node", intraBusy / (double) now / devices);
        linkUtil.put("inter_node", interBusy / (double) now / devices);
        double peak = system.aggregatePeakTflops(dtype) * 1e12;
        double mfu = peak > 0 ? flops / (seconds * peak) : 0;
        EnergyBreakdown energy = dynamic.withStatic(staticWatts * seconds);
        Map<String, Long> caches = new LinkedHashMap<>();
        caches.put("signatures", (long) cache.size());
        caches.put("hits", cache.hits());
        caches.put("simulated", cache.simulated());
        return new SimulationResult(configEcho, seconds, total, outputTokens, promptTokens, iterations, sched.preemptions(),
                outputTokens / seconds, total / seconds, LatencyStats.ofPicoseconds(ttft, total),
                LatencyStats.ofPicoseconds(gaps.elements(), gaps.size()), LatencyStats.ofPicoseconds(e2e, total),
                LatencyStats.ofPicoseconds(tpot, tpotCount), util, linkUtil, mfu,
                memPs / now / devices, energy.totalJ() / outputTokens, energy, rooflinePs / 1e12, sched.peakKv() + resident, kvCapacity, caches,
                OptionalDouble.empty());
    }
}
