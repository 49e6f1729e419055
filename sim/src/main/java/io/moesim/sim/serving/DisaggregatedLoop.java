package io.moesim.sim.serving;

import io.moesim.hw.LinkSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.sim.SimulationException;
import io.moesim.sim.energy.EnergyBreakdown;
import io.moesim.sim.metrics.LatencyStats;
import io.moesim.sim.metrics.SimulationResult;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Disaggregated serving: a prefill pool and a decode pool, each {@code instances} copies of its own
 * system (devices, parallel layout, batch limits, KV capacity), driven by one event clock.
 *
 * <p>A request goes to the prefill instance with the fewest outstanding prompt tokens, which batches
 * prompts under its token budget (chunked prefill, the {@link Scheduler} with an output of one token:
 * the first token is sampled at the end of the prompt). Its KV cache then moves to the decode pool
 * over the KV link: the prefill instance's devices each send their shard over their own link
 * ({@code min(prefill devices, decode devices)} links in parallel, at the link's achievable rate), one
 * message per request plus the link latency, requests of one prefill instance one after another. With
 * layer-by-layer overlap (as Mooncake, DistServe and vLLM's KV connectors do) layer l's KV leaves as
 * soon as layer l is computed, so of a transfer of X the exposed part is max(X / L, X − (L − 1) / L · c)
 * for a last prefill iteration of c; without it the whole transfer follows the prefill. The first
 * token reaches the user when the KV reaches the decode pool, so TTFT includes the exposed transfer,
 * and the decode instance admits the request only then.
 *
 * <p>A decode instance (the one with the fewest requests) admits arrived requests in order while its
 * batch has room and its KV cache can hold the whole request (prompt plus output, plus k slots of a
 * speculative proposal): a reservation, so decode never preempts. Each step decodes every running
 * request; with {@link Speculation} the step is the verifier's pass on k + 1 tokens per sequence
 * (a decode-shaped iteration: the decode kernels on k + 1 query tokens per sequence, GEMMs on
 * (k + 1)·n rows, each sequence's KV read once, as serving stacks verify) plus the proposer's cost.
 * The tokens one step emits share its gap evenly in the time-between-tokens figures (TPOT is exact).
 *
 * <p>With prefix caching both pools hold the shared prefix once (resident, outside the requests' KV),
 * so a request's prefill computes and its transfer sends only its own part of the prompt.
 *
 * <p>Simplifications: the prefill instance frees a request's KV when its prompt is done (the transfer
 * reads a staging copy); one prefill instance's transfers do not contend with another's (each sends
 * on its own devices' links); the proposer's time counts in the decode pool's busy fraction but not in
 * its per-processor utilisation.
 */
public final class DisaggregatedLoop {

    /**
     * One pool: {@code instances} copies of {@code system}, each with its own iteration model's costs.
     *
     * @param engine      the pool's serving engine (its framework profile's {@code serving:} figures): each instance's
     *                    every iteration pays its host work, and the prefill pool admits under its policy (no-evict, whole
     *                    prompts), through {@link EngineWork} as the aggregated loop does; null for none (hypothetical hardware)
     * @param tokenBudget tokens per iteration of one instance (prefill: prompt tokens; decode: query tokens, one per
     *                    sequence or k + 1 under speculation); 0 for the serving config's
     */
    public record Pool(String role, SystemSpec system, IterationModel model, int instances, int maxBatch, long kvCapacityTokens,
            double staticWatts, io.moesim.hw.FrameworkProfile.Serving engine, long tokenBudget) {
        public Pool {
            if (instances < 1 || maxBatch < 1 || kvCapacityTokens < 1 || tokenBudget < 0) {
                throw new IllegalArgumentException(role + " pool: instances, max batch and KV capacity must be >= 1, the token budget >= 0");
            }
        }

        /** A pool without an engine, on the serving config's token budget. */
        public Pool(String role, SystemSpec system, IterationModel model, int instances, int maxBatch, long kvCapacityTokens, double staticWatts) {
            this(role, system, model, instances, maxBatch, kvCapacityTokens, staticWatts, null, 0);
        }

        long budget(ServingConfig config) {
            return tokenBudget > 0 ? tokenBudget : config.tokenBudget();
        }

        /**
         * The sequences one engine's host work covers in an iteration of {@code n}: all of them, or under wide EP the
         * busiest DP rank's share (each rank runs its own engine, side by side).
         */
        int engineSequences(int n) {
            return model instanceof WideEpIterationModel w ? (n + w.ranks() - 1) / w.ranks() : n;
        }
    }

    /**
     * How KV moves between the pools.
     *
     * @param link      the link type each device sends on
     * @param layerwise overlap the transfer with the prefill, layer by layer
     * @param bytesPerToken KV bytes one token adds over all layers
     * @param layers    the model's layers (the overlap's granularity)
     */
    public record KvTransfer(LinkSpec link, boolean layerwise, long bytesPerToken, int layers) {
    }

    /** Latency targets for goodput; 0 for none. */
    public record Sla(double ttftMs, double tpotMs) {
        public static final Sla NONE = new Sla(0, 0);

        /** Whether a request with this TTFT and TPOT (−1: fewer than 2 tokens, no TPOT) meets both limits. */
        public boolean meets(long ttftPs, long tpotPs) {
            return (ttftMs <= 0 || ttftPs <= ttftMs * 1e9) && (tpotMs <= 0 || tpotPs < 0 || tpotPs <= tpotMs * 1e9);
        }
    }

    /** A run's result: the usual figures and the disaggregation's own, as JSON sections. */
    public record Outcome(SimulationResult result, Map<String, Object> sections) {
    }

    private static final int ARRIVE = 0;
    private static final int PREFILL_END = 1;
    private static final int KV_IN = 2;
    private static final int DECODE_END = 3;

    private record Event(long time, long seq, int kind, int index) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final ServingConfig config;
    private final Pool prefill;
    private final Pool decode;
    private final KvTransfer kv;
    private final double prefixHit;
    private final Speculation speculation;
    private final IterationModel draft;
    private final Sla sla;
    private final DType dtype;

    /**
     * @param draft the draft model's costs on a decode instance, for {@link Speculation.Method#DRAFT}; null otherwise
     */
    public DisaggregatedLoop(ServingConfig config, Pool prefill, Pool decode, KvTransfer kv, double prefixHit, Speculation speculation,
            IterationModel draft, Sla sla, DType dtype) {
        this.config = config;
        this.prefill = prefill;
        this.decode = decode;
        this.kv = kv;
        this.prefixHit = PrefixCache.check(prefixHit);
        this.speculation = speculation;
        this.draft = draft;
        this.sla = sla == null ? Sla.NONE : sla;
        this.dtype = dtype;
        SpeculativeRun.check(speculation, draft, 1);
    }

    /** Per-pool accumulators. */
    private static final class PoolStats {
        final long[] busy;
        long iterations;
        long iterationPs;
        long intra;
        long inter;
        double flops;
        double memPs;
        double rooflinePs;
        EnergyBreakdown dynamic = EnergyBreakdown.ZERO;

        PoolStats(int processors) {
            busy = new long[processors];
        }

        void add(IterationOutcome o) {
            for (int i = 0; i < busy.length; i++) {
                busy[i] += o.busyPs()[i];
            }
            iterations++;
            iterationPs += Math.max(1, o.makespanPs());
            intra += o.intraLinkBusyPs();
            inter += o.interLinkBusyPs();
            flops += o.flops();
            memPs += o.memoryBoundPs();
            rooflinePs += o.rooflinePs();
            dynamic = dynamic.plus(o.dynamicEnergy());
        }
    }

    private static final class PrefillInstance {
        Scheduler sched;
        Batch batch;
        boolean busy;
        long iterationStart;
        long outstanding;
        long linkFree;
    }

    private static final class DecodeInstance {
        final List<Sequence> running = new ArrayList<>();
        final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
        boolean busy;
        long reserved;
        long peak;
        int[] emitted = new int[0];
    }

    public Outcome run(Map<String, Object> configEcho, ServingLoop.Progress progress) {
        ServingLoop shape = new ServingLoop(config, prefill.model(), prefill.system(), 0, prefill.kvCapacityTokens(), dtype);
        List<Sequence> all = shape.workload();
        int total = all.size();
        long resident = PrefixCache.apply(all, prefixHit);
        long prefillKv = PrefixCache.capacityLeft(prefill.kvCapacityTokens(), resident);
        long decodeKv = PrefixCache.capacityLeft(decode.kvCapacityTokens(), resident);
        int extra = speculation == null ? 0 : speculation.k();
        for (Sequence s : all) {
            long need = (long) s.in - s.shared + s.out + extra;
            if (need > decodeKv) {
                throw new SimulationException(0, "decode pool", "request " + s.id + " needs " + need
                        + " KV tokens (L_in + L_out" + (extra > 0 ? " + k" : "") + ", less its cached prefix); a decode instance holds " + decodeKv);
            }
        }
        // both pools' engines priced and scheduling as the aggregated loop's (one EngineWork per pool, counting all its instances)
        EngineWork pWork = new EngineWork(prefill.engine());
        EngineWork dWork = new EngineWork(decode.engine());
        long decodeBudget = decode.budget(config);
        if (decodeBudget < extra + 1) {
            throw new SimulationException(0, "decode pool", "a token budget of " + decodeBudget + " cannot hold one decode of " + (extra + 1)
                    + " query tokens");
        }
        PrefillInstance[] ps = new PrefillInstance[prefill.instances()];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = new PrefillInstance();
            ps[i].sched = pWork.scheduler(prefill.maxBatch(), prefill.budget(config), prefillKv);
        }
        DecodeInstance[] ds = new DecodeInstance[decode.instances()];
        for (int i = 0; i < ds.length; i++) {
            ds[i] = new DecodeInstance();
        }
        Sequence[] proxies = new Sequence[total];
        long[] transferPs = new long[total];
        SpeculativeRun spec = speculation == null ? null : new SpeculativeRun(speculation, draft, Math.max(1, kv.layers()), config.seed(), total);
        PoolStats pStats = new PoolStats(prefill.model().processorNames().length);
        PoolStats dStats = new PoolStats(decode.model().processorNames().length);
        PriorityQueue<Event> q = new PriorityQueue<>();
        long[] seq = {0};
        boolean closed = config.arrival() instanceof ArrivalSpec.Closed;
        int released = closed ? Math.min(total, ((ArrivalSpec.Closed) config.arrival()).concurrency()) : total;
        for (int i = 0; i < total; i++) {
            if (all.get(i).arrivalPs >= 0) {
                q.add(new Event(all.get(i).arrivalPs, seq[0]++, ARRIVE, i));
            }
        }
        LongArrayList gaps = new LongArrayList();
        long now = 0;
        long completed = 0;
        long kvSent = 0;
        long kvReceived = 0;
        long kvLinkBusy = 0;
        long promptTokens = 0;
        long decodeTokens = 0;
        long prefillPeakKv = 0;
        double linkBw = linkBytesPerS();
        long messagePs = Math.round((kv.link().perMessageOverheadNs()) * 1e3);
        long latencyPs = Math.round(kv.link().latencyNs() * 1e3);
        int layers = Math.max(1, kv.layers());
        while (!q.isEmpty()) {
            Event e = q.poll();
            now = e.time();
            if (now > ServingLoop.MAX_SIMULATED_PS) {
                throw new SimulationException(now, "disaggregated loop", "simulated time passed " + Math.round(ServingLoop.MAX_SIMULATED_PS / 1e12)
                        + " s, the most the picosecond clock can hold; serve fewer requests");
            }
            switch (e.kind()) {
                case ARRIVE -> {
                    Sequence s = all.get(e.index());
                    PrefillInstance p = ps[0];
                    for (PrefillInstance c : ps) {
                        if (c.outstanding < p.outstanding) {
                            p = c;
                        }
                    }
                    Sequence proxy = new Sequence(s.id, s.arrivalPs, s.in, 1);
                    proxy.sharePrefix(s.shared);
                    proxies[e.index()] = proxy;
                    p.sched.arrive(proxy);
                    p.outstanding += s.in - s.shared;
                }
                case PREFILL_END -> {
                    PrefillInstance p = ps[e.index()];
                    p.busy = false;
                    List<Sequence> done = p.sched.complete(p.batch, now, g -> { });
                    prefillPeakKv = Math.max(prefillPeakKv, p.sched.peakKv());
                    long start = Math.max(now, p.linkFree);
                    // the part of this iteration during which the link was free to carry layer-by-layer KV
                    long window = kv.layerwise() ? Math.max(0, now - Math.max(p.linkFree, p.iterationStart)) * (layers - 1) / layers : 0;
                    double cumBytes = 0;
                    long arrival = start;
                    int m = 0;
                    for (Sequence proxy : done) {
                        Sequence s = all.get(proxy.id);
                        p.outstanding -= s.in - s.shared;
                        long bytes = ((long) s.in - s.shared) * kv.bytesPerToken();
                        kvSent += bytes;
                        cumBytes += bytes;
                        m++;
                        long wire = Math.round(cumBytes / linkBw * 1e12);
                        long exposed = kv.layerwise() ? Math.max(wire / layers, wire - window) : wire;
                        arrival = start + exposed + m * messagePs + latencyPs;
                        transferPs[proxy.id] = arrival - now;
                        q.add(new Event(arrival, seq[0]++, KV_IN, proxy.id));
                    }
                    if (m > 0) {
                        kvLinkBusy += Math.round(cumBytes / linkBw * 1e12);
                        p.linkFree = arrival;
                    }
                }
                case KV_IN -> {
                    Sequence s = all.get(e.index());
                    kvReceived += ((long) s.in - s.shared) * kv.bytesPerToken();
                    s.prefilled = s.prefillTarget;
                    s.kvTokens = s.in; // the whole prompt's KV (its cached prefix included) is the decode's context
                    s.generated = 1;
                    s.firstTokenPs = now;
                    s.lastTokenPs = now;
                    if (s.generated >= s.out) {
                        s.finishPs = now;
                        completed++;
                        released = release(all, released, total, now, q, seq, closed);
                    } else {
                        DecodeInstance d = ds[0];
                        for (DecodeInstance c : ds) {
                            if (c.running.size() + c.waiting.size() < d.running.size() + d.waiting.size()) {
                                d = c;
                            }
                        }
                        d.waiting.addLast(s);
                    }
                }
                case DECODE_END -> {
                    DecodeInstance d = ds[e.index()];
                    d.busy = false;
                    List<Sequence> finished = new ArrayList<>();
                    for (int i = 0; i < d.running.size(); i++) {
                        Sequence s = d.running.get(i);
                        int n = d.emitted[i];
                        long gap = (now - s.lastTokenPs) / n;
                        for (int j = 0; j < n; j++) {
                            gaps.add(gap);
                        }
                        s.generated += n;
                        s.kvTokens += n;
                        s.lastTokenPs = now;
                        decodeTokens += n;
                        if (s.generated >= s.out) {
                            s.finishPs = now;
                            finished.add(s);
                        }
                    }
                    for (Sequence s : finished) {
                        d.running.remove(s);
                        d.reserved -= (long) s.in - s.shared + s.out + extra;
                        completed++;
                        released = release(all, released, total, now, q, seq, closed);
                    }
                }
                default -> throw new IllegalStateException("event kind " + e.kind());
            }
            if (!q.isEmpty() && q.peek().time() == now) {
                continue; // apply every event of this instant before starting new iterations
            }
            for (int i = 0; i < ps.length; i++) {
                PrefillInstance p = ps[i];
                if (p.busy) {
                    continue;
                }
                Batch b = p.sched.form(now);
                if (b.isEmpty()) {
                    continue;
                }
                IterationOutcome o = prefill.model().get(BatchSignature.of(b, config.signatureBits()));
                pStats.add(o);
                long engineWork = pWork.charge(prefill.engineSequences(b.decodes.size() + b.prefills.size()));
                pStats.iterationPs += engineWork; // the engine's host work holds the instance as it does the aggregated server
                promptTokens += b.prefillTokens();
                p.batch = b;
                p.busy = true;
                p.iterationStart = now;
                q.add(new Event(Math.addExact(now, Math.max(1, o.makespanPs()) + engineWork), seq[0]++, PREFILL_END, i));
            }
            for (int i = 0; i < ds.length; i++) {
                DecodeInstance d = ds[i];
                if (d.busy) {
                    continue;
                }
                while (!d.waiting.isEmpty() && d.running.size() < decode.maxBatch() && (d.running.size() + 1L) * (extra + 1) <= decodeBudget) {
                    Sequence s = d.waiting.peekFirst();
                    long need = (long) s.in - s.shared + s.out + extra;
                    if (d.reserved + need > decodeKv) {
                        break;
                    }
                    d.waiting.pollFirst();
                    d.running.add(s);
                    d.reserved += need;
                }
                if (d.running.isEmpty()) {
                    continue;
                }
                int n = d.running.size();
                long context = 0;
                for (Sequence s : d.running) {
                    context += s.kvTokens + 1;
                }
                long meanCtx = Math.max(1, BatchSignature.quantise(Math.round((double) context / n), config.signatureBits()));
                BatchSignature step = new BatchSignature(n, meanCtx, 0, 0, 0);
                long makespan;
                d.emitted = new int[n];
                if (speculation == null) {
                    IterationOutcome o = decode.model().get(step);
                    dStats.add(o);
                    makespan = Math.max(1, o.makespanPs());
                    java.util.Arrays.fill(d.emitted, 1);
                } else {
                    int k = speculation.k();
                    // the verifier: a decode-shaped pass of k + 1 query tokens per sequence (decode kernels, each KV read once)
                    long verifyCtx = Math.max(k + 1, BatchSignature.quantise(Math.round((double) context / n) + k, config.signatureBits()));
                    IterationOutcome v = decode.model().get(new BatchSignature(n, verifyCtx, 0, 0, 0, k + 1));
                    dStats.add(v);
                    long propose = spec.proposePs(decode.model(), step);
                    makespan = Math.max(1, v.makespanPs()) + propose;
                    dStats.iterationPs += propose; // the proposer's time counts as busy (not in the per-processor figures)
                    d.emitted = spec.step(d.running);
                }
                long engineWork = dWork.charge(decode.engineSequences(n));
                makespan += engineWork;
                dStats.iterationPs += engineWork;
                d.peak = Math.max(d.peak, d.reserved);
                d.busy = true;
                q.add(new Event(Math.addExact(now, makespan), seq[0]++, DECODE_END, i));
            }
            if (progress != null) {
                progress.update(completed, total, now);
            }
        }
        if (completed < total) {
            throw new SimulationException(now, "disaggregated loop", "stalled with " + (total - completed)
                    + " request(s) unfinished and nothing runnable (a request larger than an instance's KV cache?)");
        }
        return result(all, now, pStats, dStats, transferPs, gaps, promptTokens, kvSent, kvReceived, kvLinkBusy, spec, decodeTokens, prefillPeakKv, ds, resident, decodeKv, prefillKv, configEcho, pWork, dWork);
    }

    /** KV link bandwidth one prefill instance sends at: min(prefill, decode devices) links at the achievable rate, bytes/s. */
    public double linkBytesPerS() {
        return kv.link().bandwidthPerDeviceGBps() * kv.link().bandwidthFraction() * 1e9 * Math.min(prefill.system().devices(), decode.system().devices());
    }

    private static int release(List<Sequence> all, int released, int total, long now, PriorityQueue<Event> q, long[] seq, boolean closed) {
        if (closed && released < total) {
            all.get(released).arrivalPs = now;
            q.add(new Event(now, seq[0]++, ARRIVE, released));
            return released + 1;
        }
        return released;
    }

    private Outcome result(List<Sequence> all, long now, PoolStats pStats, PoolStats dStats, long[] transferPs, LongArrayList gaps,
            long promptTokens, long kvSent, long kvReceived, long kvLinkBusy, SpeculativeRun spec, long decodeTokens, long prefillPeakKv, DecodeInstance[] ds, long resident, long decodeKv, long prefillKv,
            Map<String, Object> configEcho, EngineWork pWork, EngineWork dWork) {
        int total = all.size();
        long[] ttft = new long[total];
        long[] e2e = new long[total];
        long[] tpot = new long[total];
        long[] xfer = transferPs.clone();
        int tpotCount = 0;
        long outputTokens = 0;
        long met = 0;
        double ttftSum = 0;
        double xferSum = 0;
        for (int i = 0; i < total; i++) {
            Sequence s = all.get(i);
            ttft[i] = s.ttftPs();
            e2e[i] = s.e2ePs();
            outputTokens += s.generated;
            ttftSum += ttft[i];
            xferSum += transferPs[i];
            long t = s.tpotPs();
            if (t >= 0) {
                tpot[tpotCount++] = t;
            }
            if (sla.meets(ttft[i], t)) {
                met++;
            }
        }
        double seconds = now / 1e12;
        Map<String, Double> util = new TreeMap<>();
        Map<String, Double> pUtil = poolUtil(prefill, pStats, now);
        Map<String, Double> dUtil = poolUtil(decode, dStats, now);
        pUtil.forEach((k, v) -> util.put("prefill." + k, v));
        dUtil.forEach((k, v) -> util.put("decode." + k, v));
        long pDev = (long) prefill.system().devices() * prefill.instances();
        long dDev = (long) decode.system().devices() * decode.instances();
        Map<String, Double> linkUtil = new TreeMap<>();
        linkUtil.put("intra_node", (pStats.intra + dStats.intra) / (double) now / (pDev + dDev));
        linkUtil.put("inter_node", (pStats.inter + dStats.inter) / (double) now / (pDev + dDev));
        linkUtil.put("kv_transfer", kvLinkBusy / (double) now / prefill.instances());
        double peak = (prefill.system().aggregatePeakTflops(dtype) * prefill.instances() + decode.system().aggregatePeakTflops(dtype) * decode.instances()) * 1e12;
        double mfu = peak > 0 ? (pStats.flops + dStats.flops) / (seconds * peak) : 0;
        double staticW = prefill.staticWatts() * prefill.instances() + decode.staticWatts() * decode.instances();
        EnergyBreakdown energy = pStats.dynamic.plus(dStats.dynamic).withStatic(staticW * seconds);
        Map<String, Long> caches = new LinkedHashMap<>();
        caches.put("signatures", (long) prefill.model().size() + decode.model().size());
        caches.put("hits", prefill.model().hits() + decode.model().hits());
        caches.put("simulated", prefill.model().simulated() + decode.model().simulated());
        long decodePeak = 0;
        for (DecodeInstance d : ds) {
            decodePeak = Math.max(decodePeak, d.peak);
        }
        double roofline = Math.max(pStats.rooflinePs / prefill.instances(), dStats.rooflinePs / decode.instances());
        LatencyStats xferStats = LatencyStats.ofPicoseconds(xfer, total);
        SimulationResult r = new SimulationResult(configEcho, seconds, total, outputTokens, promptTokens,
                pStats.iterations + dStats.iterations, 0, outputTokens / seconds, total / seconds, LatencyStats.ofPicoseconds(ttft, total),
                LatencyStats.ofPicoseconds(gaps.elements(), gaps.size()), LatencyStats.ofPicoseconds(e2e, total),
                LatencyStats.ofPicoseconds(tpot, tpotCount), util, linkUtil, mfu,
                (pStats.memPs + dStats.memPs) / now / (pDev + dDev), energy.totalJ() / outputTokens, energy, roofline / 1e12,
                Math.max(prefillPeakKv, decodePeak) + resident, decodeKv + resident, caches, OptionalDouble.empty());

        Map<String, Object> sections = new LinkedHashMap<>();
        Map<String, Object> dis = new LinkedHashMap<>();
        dis.put("prefill_system", prefill.system().id());
        dis.put("decode_system", decode.system().id());
        dis.put("prefill_instances", prefill.instances());
        dis.put("decode_instances", decode.instances());
        dis.put("prefill_devices", pDev);
        dis.put("decode_devices", dDev);
        dis.put("prefill_max_batch", prefill.maxBatch());
        dis.put("decode_max_batch", decode.maxBatch());
        dis.put("prefill_kv_capacity_tokens", prefillKv + resident);
        dis.put("decode_kv_capacity_tokens", decodeKv + resident);
        dis.put("kv_link", kv.link().id());
        dis.put("kv_link_GBps", linkBytesPerS() / 1e9);
        dis.put("kv_layerwise_overlap", kv.layerwise());
        dis.put("kv_bytes_sent", kvSent);
        dis.put("kv_bytes_received", kvReceived);
        dis.put("kv_transfer_exposed_ms", latencyMap(xferStats));
        dis.put("transfer_share_of_ttft", ttftSum > 0 ? xferSum / ttftSum : 0.0);
        dis.put("prefill_busy_fraction", pStats.iterationPs / (double) now / prefill.instances());
        dis.put("decode_busy_fraction", dStats.iterationPs / (double) now / decode.instances());
        dis.put("prefill_utilization", new TreeMap<>(pUtil));
        dis.put("decode_utilization", new TreeMap<>(dUtil));
        dis.put("prefill_iterations", pStats.iterations);
        dis.put("decode_iterations", dStats.iterations);
        dis.put("decode_tokens_per_s", decodeTokens / seconds);
        if (pWork.echo() != null) {
            dis.put("prefill_engine_overhead", pWork.echo());
        }
        if (dWork.echo() != null) {
            dis.put("decode_engine_overhead", dWork.echo());
        }
        dis.put("throughput_tokens_per_s_per_device", outputTokens / seconds / (pDev + dDev));
        sections.put("disaggregation", dis);
        Map<String, Object> slaMap = slaSection(sla, met, total, seconds, pDev + dDev);
        slaMap.put("ttft_p90_met", sla.ttftMs() <= 0 || r.ttft().p90Ms() <= sla.ttftMs());
        slaMap.put("tpot_p90_met", sla.tpotMs() <= 0 || r.tpot().p90Ms() <= sla.tpotMs());
        sections.put("sla", slaMap);
        if (spec != null) {
            sections.put("speculation", spec.section());
        }
        if (prefixHit > 0) {
            sections.put("prefix_cache", prefixSection(all, prefixHit, resident));
        }
        return new Outcome(r, sections);
    }

    private static Map<String, Double> poolUtil(Pool pool, PoolStats st, long now) {
        Map<String, Double> m = new TreeMap<>();
        String[] names = pool.model().processorNames();
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], st.busy[i] / (double) now / ((long) pool.system().devices() * pool.instances()));
        }
        return m;
    }

    static Map<String, Object> latencyMap(LatencyStats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", s.p50Ms());
        m.put("p90", s.p90Ms());
        m.put("p99", s.p99Ms());
        m.put("mean", s.meanMs());
        m.put("max", s.maxMs());
        return m;
    }

    /** The SLA section: requests meeting both limits, their rate (goodput) and per device. */
    public static Map<String, Object> slaSection(Sla sla, long met, long total, double seconds, long devices) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ttft_ms", sla.ttftMs());
        m.put("tpot_ms", sla.tpotMs());
        m.put("requests_met", met);
        m.put("attainment", total == 0 ? 0.0 : met / (double) total);
        m.put("goodput_requests_per_s", met / seconds);
        m.put("goodput_requests_per_s_per_device", met / seconds / devices);
        return m;
    }

    /** The prefix-cache section: hit rate, prompt tokens found in the cache, the resident shared prefix. */
    static Map<String, Object> prefixSection(List<Sequence> all, double hit, long resident) {
        long hitTokens = 0;
        long prompt = 0;
        for (Sequence s : all) {
            hitTokens += s.shared;
            prompt += s.in;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hit_rate", hit);
        m.put("hit_tokens", hitTokens);
        m.put("prompt_tokens", prompt);
        m.put("resident_prefix_tokens", resident);
        return m;
    }
}
