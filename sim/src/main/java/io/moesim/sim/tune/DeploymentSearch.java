package io.moesim.sim.tune;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.sim.DeployedServing;
import io.moesim.sim.Deployment;
import io.moesim.sim.Disaggregation;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.serving.BatchSignature;
import io.moesim.sim.serving.DisaggregatedLoop;
import io.moesim.sim.serving.IterationCache;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The search for the best deployment of a model on a GPU budget under TTFT / TPOT limits
 * ({@code moesim tune}).
 *
 * <p>Candidates: aggregated (n replicas of one NAMExS system, tensor parallel over its S devices, the
 * load split evenly between replicas) and disaggregated (x prefill instances of one system and y
 * decode instances of another, possibly another device type), each at several max batches, within
 * the budget. Every distinct system has three iteration shapes compiled and simulated (one whole
 * prompt, a decode batch of 1 and of the max batch at the mean context); from them an analytic
 * estimate gives each candidate's TTFT and TPOT at a request rate λ (prefill as an M/D/1 queue;
 * decode batch B from Little's law, B = λ · (L_out − 1) · TPOT(B) with TPOT linear in B; aggregated
 * decodes slowed by the prefill share of the time) and the largest λ meeting the limits (bisection).
 * The best estimates (tokens/s per device) are confirmed by event-level simulation (see
 * {@link #confirm}); while none of them meets the limits at p90, further candidates are confirmed, up
 * to three times the finalists asked for. The best deployment is the confirmed finalist with the most
 * output tokens/s per device at the rate it met the limits.
 */
public final class DeploymentSearch {
    private DeploymentSearch() {
    }

    /** What to search. {@code base} carries the workload (model, lengths, requests, cost model, seed). */
    /** @param extraFlags flags the reproducing command line carries as given (cost model, framework), "" for none */
    public record Options(SimulationRequest base, List<String> deviceTypes, int deviceBudget, List<Integer> maxBatches, double ttftMs,
            double tpotMs, int finalists, String extraFlags) {
        public Options {
            deviceTypes = List.copyOf(deviceTypes);
            maxBatches = List.copyOf(maxBatches);
            if (deviceBudget < 1 || finalists < 1 || deviceTypes.isEmpty() || maxBatches.isEmpty() || !(ttftMs > 0) || !(tpotMs > 0)) {
                throw new IllegalArgumentException("tune: a device budget >= 1, one device type, one max batch, finalists >= 1 and TTFT / TPOT limits > 0");
            }
        }
    }

    /** One deployment. Aggregated: {@code prefill*} describe the replicas and {@code decode*} are empty. */
    public record Candidate(boolean disaggregated, String prefillSystem, int prefillInstances, String decodeSystem, int decodeInstances,
            int maxBatch, int devices) {
        public String describe() {
            return disaggregated ? String.format(Locale.ROOT, "disagg %dx%s : %dx%s, max batch %d", prefillInstances, prefillSystem, decodeInstances,
                    decodeSystem, maxBatch) : String.format(Locale.ROOT, "aggregated %dx%s, max batch %d", prefillInstances, prefillSystem, maxBatch);
        }
    }

    /** A candidate's analytic estimate at its largest request rate meeting the limits (0 when none does). */
    public record Estimate(Candidate candidate, double maxQps, double ttftMs, double tpotMs, double tokensPerSPerDevice) {
    }

    /** A finalist simulated event by event at {@code qps} (for one replica of an aggregated candidate: qps / replicas). */
    public record Confirmed(Estimate estimate, double qps, SimulationResult result, boolean meets, String commandLine) {
        public double tokensPerSPerDevice() {
            return meets ? qps * result.outputTokens() / result.requestsCompleted() / estimate.candidate().devices() : 0;
        }
    }

    public record Result(int enumerated, int feasible, List<Estimate> estimates, List<Estimate> pareto, List<Confirmed> finalists,
            Confirmed best, double wallS, double estimateWallS) {
    }

    /** Progress: a phase ("estimate", "confirm") and how far it is. */
    @FunctionalInterface
    public interface Progress {
        void update(String phase, long done, long total);
    }

    /** Cost figures of one system, from three simulated iteration shapes. */
    private record Costs(double prefillS, double decode1S, double decodeMaxS, int maxBatch, long kvTokens, int devices, int layers,
            double kvLinkBytesPerS) {
        double decodeS(double batch) {
            return decode1S + (decodeMaxS - decode1S) * Math.max(0, batch - 1) / Math.max(1, maxBatch - 1);
        }
    }

    public static Result search(Options o, Progress progress) {
        long t0 = System.nanoTime();
        SimulationRequest base = o.base();
        ModelConfig model = ModelZoo.resolve(base.model());
        DType dtype = base.dtypeOf(model);
        List<Candidate> all = enumerate(o);
        Map<String, Costs> costs = new HashMap<>();
        List<Estimate> est = new ArrayList<>();
        int feasible = 0;
        int i = 0;
        for (Candidate c : all) {
            Estimate e = estimate(c, o, model, dtype, costs);
            est.add(e);
            if (e.maxQps() > 0) {
                feasible++;
            }
            if (progress != null) {
                progress.update("estimate", ++i, all.size());
            }
        }
        double estWall = (System.nanoTime() - t0) / 1e9;
        est.sort(Comparator.comparingDouble(Estimate::tokensPerSPerDevice).reversed().thenComparing(e -> e.candidate().describe()));
        List<Estimate> pareto = pareto(est);
        List<Confirmed> fin = new ArrayList<>();
        int n = 0;
        boolean anyMet = false;
        // the best finalists by estimate; while none meets the limits in simulation, up to three times as many
        for (Estimate e : est) {
            if (e.maxQps() <= 0 || n >= o.finalists() && (anyMet || n >= 3 * o.finalists())) {
                break;
            }
            Confirmed c = confirm(e, o);
            fin.add(c);
            anyMet |= c.meets();
            n++;
            if (progress != null) {
                progress.update("confirm", n, Math.min(anyMet ? o.finalists() : 3 * o.finalists(), feasible));
            }
        }
        Confirmed best = null;
        for (Confirmed c : fin) {
            if (c.meets() && (best == null || c.tokensPerSPerDevice() > best.tokensPerSPerDevice())) {
                best = c;
            }
        }
        return new Result(all.size(), feasible, est, pareto, fin, best, (System.nanoTime() - t0) / 1e9, estWall);
    }

    /** Every candidate within the budget: instance sizes are powers of two up to one node of the device. */
    static List<Candidate> enumerate(Options o) {
        List<String> systems = new ArrayList<>();
        for (String d : o.deviceTypes()) {
            for (int s = 1; s <= Math.min(8, o.deviceBudget()); s *= 2) {
                systems.add(systemName(d, s));
            }
        }
        List<Candidate> out = new ArrayList<>();
        for (int mb : o.maxBatches()) {
            for (String s : systems) {
                int size = size(s);
                int n = o.deviceBudget() / size;
                out.add(new Candidate(false, s, n, "", 0, mb, n * size));
            }
            for (String p : systems) {
                for (String d : systems) {
                    int sp = size(p);
                    int sd = size(d);
                    for (int x = 1; x * sp + sd <= o.deviceBudget(); x++) {
                        for (int y = 1; x * sp + y * sd <= o.deviceBudget(); y++) {
                            out.add(new Candidate(true, p, x, d, y, mb, x * sp + y * sd));
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * The system of {@code n} devices of type {@code device}: a built-in one where it exists (duplex-x4
     * sits on the node of its H100 baseline), else {@code DEVICExN} built on request.
     */
    static String systemName(String device, int n) {
        java.util.List<String> builtIn = Systems.ids();
        for (String name : new String[] {device + "x" + n, device + "-x" + n}) {
            if (builtIn.contains(name)) {
                return name;
            }
        }
        return device + "x" + n;
    }

    private static int size(String system) {
        return Integer.parseInt(system.substring(system.lastIndexOf('x') + 1));
    }

    private static Costs costs(String system, int maxBatch, Options o, ModelConfig model, DType dtype, Map<String, Costs> memo) {
        String key = system + "@" + maxBatch;
        if (memo.containsKey(key)) {
            return memo.get(key);
        }
        Costs c = null;
        try {
            SimulationRequest b = o.base();
            SystemSpec s = Systems.load(system, b.systemSets());
            CompileOptions co = options(s, b.seed());
            IterationCache cache = new IterationCache(model, dtype, b.routing().value(), b.seed(), s,
                    g -> Compiler.compile(g, s, co, b.costModel()).plan(), b.costModel(), b.collectiveAlgorithm(), new EnergyModel(s, b.energy()));
            long kv = Simulator.kvCapacityTokens(model, dtype, s);
            long ctx = b.inputLength() + b.outputLength() / 2;
            double pre = cache.get(new BatchSignature(0, 0, 1, b.inputLength())).makespanPs() / 1e12;
            double d1 = cache.get(new BatchSignature(1, ctx, 0, 0, 0)).makespanPs() / 1e12;
            long q = BatchSignature.quantise(ctx, b.signatureBits());
            double dm = cache.get(new BatchSignature(maxBatch, q, 0, 0, 0)).makespanPs() / 1e12;
            double link = s.interNodeLink().orElse(io.moesim.hw.Links.load("ib-ndr-400")).bandwidthPerDeviceGBps() * 1e9 * s.devices();
            c = new Costs(pre, d1, dm, maxBatch, kv, s.devices(), model.layers(), link);
        } catch (MoesimException e) {
            c = null; // the weights do not fit, or the layout is impossible: not a candidate
        }
        memo.put(key, c);
        return c;
    }

    /** Tensor parallel over the instance's devices (the compiler's default layout). */
    static CompileOptions options(SystemSpec s, long seed) {
        CompileOptions d = CompileOptions.defaults();
        CompileOptions.Parallelism p = new CompileOptions.Parallelism(s.devices(), 1, 1, 1);
        return new CompileOptions(p, p, d.placement(), d.expertPlacement(), d.overlap(), d.tiles(), d.routingTrace(), d.ilpTimeLimitSeconds(), seed);
    }

    static Estimate estimate(Candidate c, Options o, ModelConfig model, DType dtype, Map<String, Costs> memo) {
        Costs p = costs(c.prefillSystem(), c.maxBatch(), o, model, dtype, memo);
        Costs d = c.disaggregated() ? costs(c.decodeSystem(), c.maxBatch(), o, model, dtype, memo) : p;
        if (p == null || d == null) {
            return new Estimate(c, 0, 0, 0, 0);
        }
        int in = o.base().inputLength();
        int out = o.base().outputLength();
        double lo = 0;
        double hi = 0;
        double[] at = null;
        double guess = 1e-3;
        // grow, then bisect the largest rate whose estimate meets both limits
        while (latencies(c, p, d, in, out, guess, model, dtype) != null && meets(latencies(c, p, d, in, out, guess, model, dtype), o)) {
            lo = guess;
            guess *= 2;
            if (guess > 1e6) {
                break;
            }
        }
        hi = guess;
        if (lo == 0) {
            return new Estimate(c, 0, 0, 0, 0);
        }
        for (int k = 0; k < 40; k++) {
            double mid = (lo + hi) / 2;
            double[] l = latencies(c, p, d, in, out, mid, model, dtype);
            if (l != null && meets(l, o)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        at = latencies(c, p, d, in, out, lo, model, dtype);
        return new Estimate(c, lo, at[0] * 1e3, at[1] * 1e3, lo * out / c.devices());
    }

    private static boolean meets(double[] l, Options o) {
        return l[0] * 1e3 <= o.ttftMs() && l[1] * 1e3 <= o.tpotMs();
    }

    /** Estimated {TTFT, TPOT} in seconds at total rate {@code qps}, or null when a pool is overloaded. */
    static double[] latencies(Candidate c, Costs p, Costs d, int in, int out, double qps, ModelConfig model, DType dtype) {
        int replicas = c.prefillInstances();
        double lp = qps / replicas;
        double rho = lp * p.prefillS();
        if (rho >= 1) {
            return null;
        }
        double wait = rho * p.prefillS() / (2 * (1 - rho)); // M/D/1 mean wait
        double ld = c.disaggregated() ? qps / c.decodeInstances() : lp;
        // decode batch from Little's law with TPOT = a + b·B (aggregated: stretched by the prefill share of the time)
        double a = d.decode1S() - (d.decodeMaxS() - d.decode1S()) / Math.max(1, d.maxBatch() - 1);
        double slope = (d.decodeMaxS() - d.decode1S()) / Math.max(1, d.maxBatch() - 1);
        double stretch = c.disaggregated() ? 1 : 1 / (1 - rho);
        double denom = 1 - ld * (out - 1) * slope * stretch;
        if (denom <= 0) {
            return null;
        }
        double batch = Math.max(1, ld * (out - 1) * a * stretch / denom);
        if (batch > d.maxBatch() || batch * (in + out) > d.kvTokens()) {
            return null;
        }
        double tpot = d.decodeS(batch) * stretch;
        double ttft = p.prefillS() + wait;
        if (c.disaggregated()) {
            double bytes = (double) in * Simulator.kvBytesPerToken(model, dtype);
            ttft += bytes / Math.min(p.kvLinkBytesPerS(), d.kvLinkBytesPerS()) / Math.max(1, p.layers());
        } else {
            ttft += d.decodeS(batch); // the prompt shares its iteration with the decodes
        }
        return new double[] {ttft, tpot};
    }

    /** The estimates not beaten on both tokens/s per device (higher) and TPOT (lower). */
    static List<Estimate> pareto(List<Estimate> est) {
        List<Estimate> out = new ArrayList<>();
        for (Estimate e : est) {
            if (e.maxQps() <= 0) {
                continue;
            }
            boolean dominated = false;
            for (Estimate f : est) {
                if (f != e && f.maxQps() > 0 && f.tokensPerSPerDevice() >= e.tokensPerSPerDevice() && f.tpotMs() <= e.tpotMs()
                        && (f.tokensPerSPerDevice() > e.tokensPerSPerDevice() || f.tpotMs() < e.tpotMs())) {
                    dominated = true;
                    break;
                }
            }
            if (!dominated) {
                out.add(e);
            }
        }
        out.sort(Comparator.comparingDouble(Estimate::tpotMs).thenComparing(e -> e.candidate().describe()));
        return out;
    }

    /**
     * Simulates a finalist event by event at its estimated rate; after a miss, at half the rate, up to
     * three halvings; after a met rate below a missed one, two bisection steps between them. Returns the
     * highest rate that met the limits, or the last miss.
     */
    static Confirmed confirm(Estimate e, Options o) {
        double qps = e.maxQps();
        Confirmed met = null;
        Confirmed miss = null;
        for (int t = 0; t < 4; t++) {
            Confirmed c = run(e, o, qps);
            if (c.meets()) {
                met = c;
                break;
            }
            miss = c;
            qps /= 2;
        }
        if (met == null) {
            return miss;
        }
        for (int t = 0; t < 2 && miss != null; t++) {
            Confirmed c = run(e, o, (met.qps() + miss.qps()) / 2);
            if (c.meets()) {
                met = c;
            } else {
                miss = c;
            }
        }
        return met;
    }

    private static Confirmed run(Estimate e, Options o, double qps) {
        Candidate c = e.candidate();
        double perReplica = c.disaggregated() ? qps : qps / c.prefillInstances();
        SimulationResult r = simulate(c, o, perReplica).result();
        boolean ok = r.ttft().p90Ms() <= o.ttftMs() && r.tpot().p90Ms() <= o.tpotMs();
        return new Confirmed(e, qps, r, ok, commandLine(c, o, perReplica));
    }

    /** One run of a candidate (one replica of an aggregated one) at {@code qps}. */
    public static DeployedServing.Served simulate(Candidate c, Options o, double qps) {
        SimulationRequest r = o.base().toBuilder().qps(qps).progress(null).build();
        DisaggregatedLoop.Sla sla = new DisaggregatedLoop.Sla(o.ttftMs(), o.tpotMs());
        if (!c.disaggregated()) {
            SystemSpec s = Systems.load(c.prefillSystem(), r.systemSets());
            SimulationRequest rr = SimulationRequest.builder(r.model(), c.prefillSystem()).systemSets(r.systemSets()).qps(qps)
                    .requests(r.requests()).lengths(r.inputLength(), r.outputLength()).lengths(r.lengths()).maxBatch(c.maxBatch())
                    .routing(r.routing()).dtype(r.dtype()).compileOptions(options(s, r.seed())).costModel(r.costModel())
                    .collectiveAlgorithm(r.collectiveAlgorithm()).energy(r.energy()).tokenBudget(r.tokenBudget()).signatureBits(r.signatureBits())
                    .iterationModel(r.iterationModel()).seed(r.seed()).build();
            return DeployedServing.serve(rr, s, new Deployment(0, null, null, sla));
        }
        SystemSpec ps = Systems.load(c.prefillSystem(), r.systemSets());
        SystemSpec ds = Systems.load(c.decodeSystem(), r.systemSets());
        Disaggregation d = new Disaggregation(c.prefillSystem(), c.decodeSystem(), c.prefillInstances(), c.decodeInstances(), c.maxBatch(),
                c.maxBatch(), null, true, options(ps, r.seed()), options(ds, r.seed()));
        return DeployedServing.serve(r, null, new Deployment(0, d, null, sla));
    }

    /** The simulate command line that reproduces a finalist's run. */
    static String commandLine(Candidate c, Options o, double qps) {
        SimulationRequest b = o.base();
        StringBuilder s = new StringBuilder("moesim simulate --model ").append(b.model());
        if (c.disaggregated()) {
            s.append(" --disagg ").append(c.prefillSystem()).append(':').append(c.decodeSystem()).append(" --prefill-pools ")
                    .append(c.prefillInstances()).append(" --decode-pools ").append(c.decodeInstances());
        } else {
            s.append(" --system ").append(c.prefillSystem());
        }
        s.append(" --max-batch ").append(c.maxBatch());
        s.append(String.format(Locale.ROOT, " --qps %.6g", qps));
        s.append(" --requests ").append(b.requests()).append(" --in ").append(b.inputLength()).append(" --out ").append(b.outputLength());
        if (!"fixed".equals(b.lengths().text())) {
            s.append(" --lengths ").append(b.lengths().text());
        }
        if (b.dtype() != null) {
            s.append(" --dtype ").append(b.dtype().text());
        }
        s.append(" --iteration-model ").append(b.iterationModel().text()).append(" --seed ").append(b.seed());
        if (!o.extraFlags().isBlank()) {
            s.append(' ').append(o.extraFlags().strip());
        }
        s.append(String.format(Locale.ROOT, " --sla-ttft-ms %s --sla-tpot-ms %s", trim(o.ttftMs()), trim(o.tpotMs())));
        if (!c.disaggregated() && c.prefillInstances() > 1) {
            s.append("   # one of ").append(c.prefillInstances()).append(" replicas");
        }
        return s.toString();
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
