package io.moesim.sim;

import io.moesim.compiler.Compiler;
import io.moesim.hw.LinkSpec;
import io.moesim.hw.Links;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Routing;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.serving.ArrivalSpec;
import io.moesim.sim.serving.DisaggregatedLoop;
import io.moesim.sim.serving.FastIterationModel;
import io.moesim.sim.serving.IterationCache;
import io.moesim.sim.serving.IterationModel;
import io.moesim.sim.serving.LengthSpec;
import io.moesim.sim.serving.ServingConfig;
import io.moesim.sim.serving.ServingLoop;
import io.moesim.sim.serving.Speculation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Serving runs as deployed ({@link Deployment}): one aggregated pool with prefix caching, or
 * disaggregated prefill and decode pools with KV transfer, prefix caching and speculative decoding.
 */
public final class DeployedServing {
    private DeployedServing() {
    }

    /** A run's figures and its extra JSON sections (disaggregation, speculation, prefix_cache, sla). */
    public record Served(SimulationResult result, Map<String, Object> sections) {
    }

    /**
     * Serves {@code req} as {@code d} deploys it. {@code system} is the request's system already loaded
     * (aggregated runs); disaggregated runs load their two pools' systems with the request's overrides.
     */
    public static Served serve(SimulationRequest req, SystemSpec system, Deployment d) {
        return serve(req, system, d, null);
    }

    /**
     * Wide expert parallelism in each pool of a disaggregated run: attention DP = MoE EP over all of a pool instance's
     * devices, each iteration priced by the wide-EP step model ({@link io.moesim.sim.serving.WideEpIterationModel}).
     * In a disaggregated run one of the two may be null: that pool runs its compiler layout (its
     * {@link Disaggregation} options), the other under wide EP. An aggregated wide-EP instance needs both.
     */
    public record WideEpPools(io.moesim.sim.widep.WideEpConfig prefill, io.moesim.sim.widep.WideEpConfig decode, int decodeTwoFrom) {
        public WideEpPools {
            if (prefill == null && decode == null) {
                throw new IllegalArgumentException("wide EP in neither pool: pass no WideEpPools");
            }
        }
    }

    /** The same with {@code wide} (null for none; only with disaggregated pools) pricing the pools' iterations under wide EP. */
    public static Served serve(SimulationRequest req, SystemSpec system, Deployment d, WideEpPools wide) {
        ModelConfig model = ModelZoo.resolve(req.model());
        if (wide != null && d.disaggregation() == null) {
            if (wide.prefill() == null || wide.decode() == null) {
                throw new SimulationException(0, "--ep-mode", "an aggregated wide-EP instance runs both phases under wide EP: 'off' is for a pool of --disagg");
            }
            return aggregatedWideEp(req, model, system, d, wide);
        }
        if (d.disaggregation() == null) {
            long[] met = new long[1];
            DisaggregatedLoop.Sla sla = d.sla();
            Map<String, Object> spec = new LinkedHashMap<>();
            io.moesim.compiler.CompileOptions options = req.compileOptionsOn(system);
            SimulationResult r = Simulator.simulate(req, model, system,
                    g -> Compiler.compile(g, system, options, req.costModel()).plan(), new Simulator.Deployed(d.prefixHit(), (ttft, tpot) -> {
                        if (sla.meets(ttft, tpot)) {
                            met[0]++;
                        }
                    }, d.speculation(), spec::putAll));
            return new Served(r, sections(d, spec, met[0], r, system.devices()));
        }
        return disaggregated(req, model, d, wide);
    }

    /**
     * One aggregated wide-EP instance (attention DP = MoE EP over all of {@code system}'s devices) serving with continuous
     * batching as SGLang runs DP attention with DeepEP: no mixed iterations (each is prefill-only, priced by the wide-EP
     * prefill step under {@code wide.prefill()}'s mode, or decode-only, under {@code wide.decode()}'s), prefill first
     * whenever a prompt can be admitted ({@link ServingLoop}'s {@code mixed = false}); the engine's token budget per DP rank,
     * the KV capacity of {@link io.moesim.sim.serving.WideEpIterationModel#kvCapacityTokens}, MTP speculation as the
     * disaggregated wide-EP pools take it.
     */
    private static Served aggregatedWideEp(SimulationRequest req, ModelConfig resolved, SystemSpec system, Deployment d, WideEpPools wide) {
        long wall0 = System.nanoTime();
        checkWideEp(req, d.speculation());
        refuseOffloadAndTrace(req, "--ep-mode", "every rank holds its experts in HBM");
        ModelConfig model = Simulator.configured(req, resolved);
        DType dtype = req.dtypeOf(model);
        EnergyModel energy = new EnergyModel(system, req.energy());
        io.moesim.sim.serving.WideEpIterationModel m = new io.moesim.sim.serving.WideEpIterationModel(model, dtype, req.routing().value(),
                req.seed(), system, req.costModel(), wide.prefill(), wide.decode(), wide.decodeTwoFrom(), energy);
        int maxBatch = req.batch() > 0 && req.arrivalTrace() == null ? req.batch() : req.maxBatch();
        long kv = wideKv(req, model, dtype, system, wide.prefill(), maxBatch);
        // the engine's token budget holds per DP rank, as in each disaggregated wide-EP pool
        long budget = Math.multiplyExact(Simulator.tokenBudget(req, system), (long) m.ranks());
        ServingConfig cfg = new ServingConfig(Simulator.arrival(req), req.requests(), req.inputLength(), req.outputLength(), req.lengths().value(),
                maxBatch, budget, kv, req.signatureBits(), req.seed());
        ServingLoop loop = new ServingLoop(cfg, m, system, energy.staticWatts(), kv, dtype, d.prefixHit(), Simulator.engine(req, system),
                d.speculation(), null, model.layers(), false);
        Map<String, Object> echo = Simulator.echoPrefix(Simulator.echo(req, model, system, dtype, maxBatch, kv), d.prefixHit());
        echo.remove("compile"); // the compiler's layout does not apply: attn_dp and moe_ep below are the layout
        if (d.speculation() != null) {
            echo.put("speculation", d.speculation().describe());
        }
        echo.put("token_budget", budget);
        Map<String, Object> dp = new LinkedHashMap<>();
        dp.put("attn_dp", wide.prefill().attnDp());
        dp.put("moe_ep", wide.prefill().moeEp());
        wideEpEcho(echo, wide, dp);
        echo.put("mixed_iterations", false);
        long[] met = new long[1];
        DisaggregatedLoop.Sla sla = d.sla();
        ServingLoop.Progress progress = req.progress() == null ? null : (done, total, t) -> req.progress().update(done, total, t / 1e12);
        SimulationResult r = loop.run(echo, null, 0, progress, (ttft, tpot) -> {
            if (sla.meets(ttft, tpot)) {
                met[0]++;
            }
        });
        double wall = (System.nanoTime() - wall0) / 1e9;
        return new Served(r.withSimWall(OptionalDouble.of(wall)), sections(d, d.speculation() == null ? null : loop.speculationSection(), met[0], r,
                system.devices()));
    }

    /**
     * The result sections of one aggregated serving run: speculation (its figures), the prefix cache, and the SLA
     * (how many requests met it, goodput, whether the p90s meet it) where the deployment has each.
     */
    private static Map<String, Object> sections(Deployment d, Map<String, Object> speculation, long met, SimulationResult r, int devices) {
        Map<String, Object> sections = new LinkedHashMap<>();
        if (d.speculation() != null) {
            sections.put("speculation", speculation);
        }
        if (d.prefixHit() > 0) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("hit_rate", d.prefixHit());
            sections.put("prefix_cache", x);
        }
        DisaggregatedLoop.Sla sla = d.sla();
        if (sla.ttftMs() > 0 || sla.tpotMs() > 0) {
            Map<String, Object> x = DisaggregatedLoop.slaSection(sla, met, r.requestsCompleted(), r.simulatedS(), devices);
            x.putAll(p90Sla(sla, r));
            sections.put("sla", x);
        }
        return sections;
    }

    /** Expert offloading and a timeline, which a serving run under {@code flag} does not model, refused naming the flag. */
    private static void refuseOffloadAndTrace(SimulationRequest req, String flag, String why) {
        if (req.offload() != null) {
            throw new SimulationException(0, "--offload", "expert offloading is not modelled with " + flag + " (" + why + "); drop --offload or "
                    + flag);
        }
        if (req.tracePath() != null) {
            throw new SimulationException(0, "--trace", "a timeline is not written with " + flag + " yet; drop --trace or " + flag);
        }
    }

    /** What wide-EP serving (aggregated or disaggregated) cannot take, refused naming the flag. */
    private static void checkWideEp(SimulationRequest req, Speculation spec) {
        if (req.kvFraction() > 0) {
            throw new SimulationException(0, "--kv-fraction", "is not modelled with --ep-mode serving (each device keeps "
                    + Simulator.MEMORY_UTILIZATION + " of its memory less its weights for KV); drop it");
        }
        if (spec != null && spec.method() != Speculation.Method.MTP) {
            throw new SimulationException(0, "--spec-method", "with --ep-mode: MTP speculation only");
        }
    }

    /**
     * The wide-EP keys of a serving run's config echo: the modes, EPLB, micro-batches, and which figures the step model does not
     * give (written as 0 in the result; named here so that a reader does not take them for measured zeros).
     */
    private static void wideEpEcho(Map<String, Object> echo, WideEpPools wide, Map<String, Object> layout) {
        echo.put("ep_mode", modeText(wide.prefill()) + ":" + modeText(wide.decode()));
        layout.forEach(echo::put);
        io.moesim.sim.widep.WideEpConfig any = wide.decode() != null ? wide.decode() : wide.prefill();
        echo.put("eplb_slots", any.eplbSlots());
        echo.put("micro_batches", any.microBatches());
        if (wide.decodeTwoFrom() > 2) {
            echo.put("decode_micro_batch_from", wide.decodeTwoFrom());
        }
        echo.put("iteration_model", "wide-ep");
        // kept (a key users' scripts may read): every figure is computed under wide EP since link utilisation (2026-12-04)
        echo.put("not_computed", "");
    }

    /** A pool's dispatch/combine mode, {@code off} for a pool under its compiler layout. */
    private static String modeText(io.moesim.sim.widep.WideEpConfig c) {
        return c == null ? "off" : c.mode().text();
    }

    /** Whether the p90 TTFT and TPOT meet the limits (a limit of 0 always holds). */
    static Map<String, Object> p90Sla(DisaggregatedLoop.Sla sla, SimulationResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ttft_p90_met", sla.ttftMs() <= 0 || r.ttft().p90Ms() <= sla.ttftMs());
        m.put("tpot_p90_met", sla.tpotMs() <= 0 || r.tpot().p90Ms() <= sla.tpotMs());
        return m;
    }

    private static Served disaggregated(SimulationRequest req, ModelConfig resolved, Deployment d, WideEpPools wide) {
        long wall0 = System.nanoTime();
        // what the disaggregated pools cannot do yet fails here, naming the flag, rather than being dropped
        refuseOffloadAndTrace(req, "--disagg", "both pools hold every weight in HBM");
        // compressed experts, the KV dtype and the residual form as an aggregated run takes them
        ModelConfig model = Simulator.configured(req, resolved);
        Disaggregation g = d.disaggregation();
        DType dtype = req.dtypeOf(model);
        SystemSpec ps = Systems.load(g.prefillSystem(), req.systemSets());
        SystemSpec ds = Systems.load(g.decodeSystem(), req.systemSets());
        Routing routing = req.routing().value();
        LengthSpec lengths = req.lengths().value();
        ArrivalSpec arrival = Simulator.arrival(req);
        EnergyModel pe = new EnergyModel(ps, req.energy());
        EnergyModel de = new EnergyModel(ds, req.energy());
        IterationModel pm;
        IterationModel dm;
        long pkv;
        long dkv;
        Speculation spec = d.speculation();
        long pBudget = Simulator.tokenBudget(req, ps);
        long dBudget = Simulator.tokenBudget(req, ds);
        if (wide != null) {
            checkWideEp(req, spec);
        }
        boolean fast = req.iterationModel() == IterationModel.Kind.FAST;
        // each pool under wide EP (its step model, the engine's token budget per DP rank) or under its compiler layout
        if (wide != null && wide.prefill() != null) {
            io.moesim.sim.serving.WideEpIterationModel pw = new io.moesim.sim.serving.WideEpIterationModel(model, dtype, routing, req.seed(), ps,
                    req.costModel(), wide.prefill(), wide.prefill(), 2, pe);
            pkv = wideKv(req, model, dtype, ps, wide.prefill(), g.prefillMaxBatch());
            pBudget = Math.multiplyExact(pBudget, (long) pw.ranks());
            pm = pw;
        } else {
            IterationCache pc = new IterationCache(model, dtype, routing, req.seed(), ps,
                    gr -> Compiler.compile(gr, ps, g.prefillOptions(), req.costModel()).plan(), req.costModel(), req.collectiveAlgorithm(), pe,
                    g.prefillOptions().rowShards());
            pkv = Simulator.kvCapacity(req, model, dtype, ps, pc, g.prefillMaxBatch(), g.prefillOptions());
            pm = fast ? new FastIterationModel(pc) : pc;
        }
        if (wide != null && wide.decode() != null) {
            io.moesim.sim.serving.WideEpIterationModel dw = new io.moesim.sim.serving.WideEpIterationModel(model, dtype, routing, req.seed(), ds,
                    req.costModel(), wide.decode(), wide.decode(), wide.decodeTwoFrom(), de);
            dkv = wideKv(req, model, dtype, ds, wide.decode(), g.decodeMaxBatch());
            dBudget = Math.multiplyExact(dBudget, (long) dw.ranks());
            dm = dw;
        } else {
            IterationCache dc = new IterationCache(model, dtype, routing, req.seed(), ds,
                    gr -> Compiler.compile(gr, ds, g.decodeOptions(), req.costModel()).plan(), req.costModel(), req.collectiveAlgorithm(), de,
                    g.decodeOptions().rowShards());
            dkv = Simulator.kvCapacity(req, model, dtype, ds, dc, g.decodeMaxBatch(), g.decodeOptions());
            dm = fast ? new FastIterationModel(dc) : dc;
        }
        IterationModel draft = null;
        if (spec != null && spec.method() == Speculation.Method.DRAFT) {
            ModelConfig dmodel = ModelZoo.resolve(spec.draftModel());
            draft = new IterationCache(dmodel, dtype, routing, req.seed(), ds,
                    gr -> Compiler.compile(gr, ds, g.decodeOptions(), req.costModel()).plan(), req.costModel(), req.collectiveAlgorithm(), de,
                    g.decodeOptions().rowShards());
        }
        LinkSpec link = kvLink(g, ps, ds);
        ServingConfig cfg = new ServingConfig(arrival, req.requests(), req.inputLength(), req.outputLength(), lengths, g.prefillMaxBatch(),
                pBudget, pkv, req.signatureBits(), req.seed());
        // each pool's engine (per-iteration host work, admission policy) and token budget from its own system's profile, as an aggregated run's
        DisaggregatedLoop loop = new DisaggregatedLoop(cfg,
                new DisaggregatedLoop.Pool("prefill", ps, pm, g.prefillInstances(), g.prefillMaxBatch(), pkv, pe.staticWatts(),
                        Simulator.engine(req, ps), pBudget),
                new DisaggregatedLoop.Pool("decode", ds, dm, g.decodeInstances(), g.decodeMaxBatch(), dkv, de.staticWatts(),
                        Simulator.engine(req, ds), dBudget),
                new DisaggregatedLoop.KvTransfer(link, g.layerwise(), Simulator.kvBytesPerToken(model, dtype), model.layers()),
                d.prefixHit(), spec, draft, d.sla(), dtype);
        Map<String, Object> echo = Simulator.echo(req, model, ps, dtype, g.prefillMaxBatch(), pkv);
        echo.put("system", ps.id() + ":" + ds.id());
        echo.put("devices", ps.devices() * g.prefillInstances() + ds.devices() * g.decodeInstances());
        echo.put("disagg", ps.id() + ":" + ds.id());
        echo.put("prefill_pools", g.prefillInstances());
        echo.put("decode_pools", g.decodeInstances());
        echo.put("decode_max_batch", g.decodeMaxBatch());
        echo.put("kv_link", link.id());
        echo.put("kv_overlap", g.layerwise() ? "layer" : "none");
        echo.put("prefill_compile", g.prefillOptions().describe());
        echo.put("decode_compile", g.decodeOptions().describe());
        if (d.prefixHit() > 0) {
            echo.put("prefix_hit", d.prefixHit());
        }
        if (spec != null) {
            echo.put("speculation", spec.describe());
        }
        if (wide != null) {
            echo.put("token_budget", pBudget);
            Map<String, Object> dp = new LinkedHashMap<>();
            if (wide.prefill() != null) {
                dp.put("prefill_attn_dp", wide.prefill().attnDp());
            }
            if (wide.decode() != null) {
                dp.put("decode_attn_dp", wide.decode().attnDp());
            }
            wideEpEcho(echo, wide, dp);
        }
        ServingLoop.Progress progress = req.progress() == null ? null : (done, total, t) -> req.progress().update(done, total, t / 1e12);
        DisaggregatedLoop.Outcome o = loop.run(echo, progress);
        double wall = (System.nanoTime() - wall0) / 1e9;
        return new Served(o.result().withSimWall(OptionalDouble.of(wall)), o.sections());
    }

    /** The link the KV moves on: the named one, else NVLink-class within one node, else the inter-node link. */
    static LinkSpec kvLink(Disaggregation g, SystemSpec ps, SystemSpec ds) {
        if (g.kvLink() != null) {
            return Links.load(g.kvLink());
        }
        long devices = (long) ps.devices() * g.prefillInstances() + (long) ds.devices() * g.decodeInstances();
        // one node holds as many devices as the device's wiring allows (a DGX H100: 8), whatever one instance uses
        int perNode = ps.device().interconnect() == null ? ps.devicesPerNode() : Math.max(ps.devicesPerNode(), ps.device().interconnect().maxDevicesPerNode());
        if (ps.nodes() == 1 && ds.nodes() == 1 && devices <= perNode && ps.intraNodeLink().id().equals(ds.intraNodeLink().id())) {
            return ps.intraNodeLink();
        }
        return ps.interNodeLink().orElseGet(() -> ds.interNodeLink().orElseGet(() -> Links.load("ib-ndr-400")));
    }

    /** The KV capacity in tokens of one wide-EP instance under {@code cfg}: the request's, else what every rank has left. */
    private static long wideKv(SimulationRequest req, ModelConfig model, DType dtype, SystemSpec system, io.moesim.sim.widep.WideEpConfig cfg,
            int maxBatch) {
        return req.kvCapacityTokens() > 0 ? req.kvCapacityTokens()
                : Simulator.withStates(model, dtype, system, Simulator.wideEpKvCapacityTokens(model, dtype, system, cfg), maxBatch);
    }
}
