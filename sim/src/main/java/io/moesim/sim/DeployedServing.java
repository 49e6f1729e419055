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
     */
    public record WideEpPools(io.moesim.sim.widep.WideEpConfig prefill, io.moesim.sim.widep.WideEpConfig decode) {
    }

    /** The same with {@code wide} (null for none; only with disaggregated pools) pricing the pools' iterations under wide EP. */
    public static Served serve(SimulationRequest req, SystemSpec system, Deployment d, WideEpPools wide) {
        ModelConfig model = ModelZoo.resolve(req.model());
        if (wide != null && d.disaggregation() == null) {
            throw new SimulationException(0, "--ep-mode", "a serving run under wide EP needs disaggregated pools (--disagg PREFILL:DECODE); "
                    + "one iteration shape of one pool is --ep-mode with --batch");
        }
        if (d.disaggregation() == null) {
            long[] met = new long[1];
            DisaggregatedLoop.Sla sla = d.sla();
            Map<String, Object> sections = new LinkedHashMap<>();
            Map<String, Object> spec = new LinkedHashMap<>();
            io.moesim.compiler.CompileOptions options = req.compileOptionsOn(system);
            SimulationResult r = Simulator.simulate(req, model, system,
                    g -> Compiler.compile(g, system, options, req.costModel()).plan(), new Simulator.Deployed(d.prefixHit(), (ttft, tpot) -> {
                        if (sla.meets(ttft, tpot)) {
                            met[0]++;
                        }
                    }, d.speculation(), spec::putAll));
            if (d.speculation() != null) {
                sections.put("speculation", spec);
            }
            if (d.prefixHit() > 0) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("hit_rate", d.prefixHit());
                sections.put("prefix_cache", m);
            }
            if (d.sla().ttftMs() > 0 || d.sla().tpotMs() > 0) {
                Map<String, Object> m = DisaggregatedLoop.slaSection(sla, met[0], r.requestsCompleted(), r.simulatedS(), system.devices());
                m.putAll(p90Sla(sla, r));
                sections.put("sla", m);
            }
            return new Served(r, sections);
        }
        return disaggregated(req, model, d, wide);
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
        if (req.offload() != null) {
            throw new SimulationException(0, "--offload", "expert offloading is not modelled with --disagg (both pools hold every weight in HBM); "
                    + "drop --offload or --disagg");
        }
        if (req.tracePath() != null) {
            throw new SimulationException(0, "--trace", "a timeline is not written with --disagg yet; drop --trace or --disagg");
        }
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
            if (req.kvFraction() > 0) {
                throw new SimulationException(0, "--kv-fraction", "is not modelled with --ep-mode serving (each device keeps "
                        + Simulator.MEMORY_UTILIZATION + " of its memory less its weights for KV); drop it");
            }
            if (spec != null && spec.method() != Speculation.Method.MTP) {
                throw new SimulationException(0, "--spec-method", "with --ep-mode: MTP speculation only");
            }
            io.moesim.sim.serving.WideEpIterationModel pw = new io.moesim.sim.serving.WideEpIterationModel(model, dtype, routing, req.seed(), ps,
                    req.costModel(), wide.prefill());
            io.moesim.sim.serving.WideEpIterationModel dw = new io.moesim.sim.serving.WideEpIterationModel(model, dtype, routing, req.seed(), ds,
                    req.costModel(), wide.decode());
            long kvBytes = Simulator.kvBytesPerToken(model, dtype);
            pkv = req.kvCapacityTokens() > 0 ? req.kvCapacityTokens()
                    : io.moesim.sim.serving.WideEpIterationModel.kvCapacityTokens(model, dtype, ps, wide.prefill(), Simulator.MEMORY_UTILIZATION, kvBytes);
            dkv = req.kvCapacityTokens() > 0 ? req.kvCapacityTokens()
                    : io.moesim.sim.serving.WideEpIterationModel.kvCapacityTokens(model, dtype, ds, wide.decode(), Simulator.MEMORY_UTILIZATION, kvBytes);
            // the engine's token budget holds per DP rank: an instance's iteration holds DP ranks' worth
            pBudget = Math.multiplyExact(pBudget, (long) pw.ranks());
            dBudget = Math.multiplyExact(dBudget, (long) dw.ranks());
            pm = pw;
            dm = dw;
        } else {
            IterationCache pc = new IterationCache(model, dtype, routing, req.seed(), ps,
                    gr -> Compiler.compile(gr, ps, g.prefillOptions(), req.costModel()).plan(), req.costModel(), req.collectiveAlgorithm(), pe);
            IterationCache dc = new IterationCache(model, dtype, routing, req.seed(), ds,
                    gr -> Compiler.compile(gr, ds, g.decodeOptions(), req.costModel()).plan(), req.costModel(), req.collectiveAlgorithm(), de);
            pkv = Simulator.kvCapacity(req, model, dtype, ps, pc);
            dkv = Simulator.kvCapacity(req, model, dtype, ds, dc);
            boolean fast = req.iterationModel() == IterationModel.Kind.FAST;
            pm = fast ? new FastIterationModel(pc) : pc;
            dm = fast ? new FastIterationModel(dc) : dc;
        }
        IterationModel draft = null;
        if (spec != null && spec.method() == Speculation.Method.DRAFT) {
            ModelConfig dmodel = ModelZoo.resolve(spec.draftModel());
            draft = new IterationCache(dmodel, dtype, routing, req.seed(), ds,
                    gr -> Compiler.compile(gr, ds, g.decodeOptions(), req.costModel()).plan(), req.costModel(), req.collectiveAlgorithm(), de);
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
            echo.put("ep_mode", wide.prefill().mode().text() + ":" + wide.decode().mode().text());
            echo.put("prefill_attn_dp", wide.prefill().attnDp());
            echo.put("decode_attn_dp", wide.decode().attnDp());
            echo.put("eplb_slots", wide.decode().eplbSlots());
            echo.put("micro_batches", wide.decode().microBatches());
            echo.put("iteration_model", "wide-ep");
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
}
