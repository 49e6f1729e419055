package io.moesim.sim;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.io.AtomicFiles;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Routing;
import io.moesim.ir.op.AttentionKind;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.serving.ArrivalSpec;
import io.moesim.sim.serving.FastIterationModel;
import io.moesim.sim.serving.IterationCache;
import io.moesim.sim.serving.IterationModel;
import io.moesim.sim.serving.LengthSpec;
import io.moesim.sim.serving.PlanSource;
import io.moesim.sim.serving.ServingConfig;
import io.moesim.sim.serving.ServingLoop;
import io.moesim.sim.system.CollectiveAlgorithm;
import io.moesim.sim.system.CollectiveModel;
import io.moesim.sim.system.ExecutionResult;
import io.moesim.sim.system.PlanExecutor;
import io.moesim.sim.system.PreparedPlan;
import io.moesim.sim.system.TaskTimer;
import io.moesim.sim.trace.TraceWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** The simulator's front door, what the CLI calls: serving runs, comparisons, single plans, traces. */
public final class Simulator {
    /**
     * Fraction of device memory a server may use (vLLM's default {@code gpu_memory_utilization}), of the total the driver
     * reports ({@link io.moesim.hw.MemorySpec#reportedBytes}); the KV cache gets what is left of it after the weights.
     */
    public static final double MEMORY_UTILIZATION = 0.9;

    private Simulator() {
    }

    /** A serving run, each iteration compiled by the standard compiler pipeline. */
    public static SimulationResult simulate(SimulationRequest req) {
        return simulate(req, Systems.load(req.system(), req.systemSets()));
    }

    /** The same, on the request's system already loaded (with the request's {@code --set} overrides) by the caller. */
    public static SimulationResult simulate(SimulationRequest req, SystemSpec system) {
        CompileOptions options = req.compileOptionsOn(system);
        // offloading: the compiler places every weight as if HBM held them (the expert cache model holds the real budget)
        SystemSpec compileOn = req.offload() == null ? system : io.moesim.sim.offload.OffloadRun.unbounded(system);
        return simulate(req, ModelZoo.resolve(req.model()), system, g -> Compiler.compile(g, compileOn, options, req.costModel()).plan());
    }

    /** A serving run of an already resolved model (a preset with fewer layers, an imported config), with plans from {@code planner}. */
    public static SimulationResult simulate(SimulationRequest req, ModelConfig model, SystemSpec system, PlanSource planner) {
        return simulate(req, model, system, planner, Deployed.NONE);
    }

    /**
     * What an aggregated deployment ({@link DeployedServing}) adds to a serving run: prefix caching at {@code prefixHit}
     * (see {@link io.moesim.sim.serving.PrefixCache}), {@code requests} told each request's TTFT and TPOT, speculative
     * decoding {@code spec} in the continuous-batching loop and {@code specSection}, told the run's {@code speculation}
     * section (each may be null: none).
     */
    record Deployed(double prefixHit, ServingLoop.RequestSink requests, io.moesim.sim.serving.Speculation spec,
            java.util.function.Consumer<java.util.Map<String, Object>> specSection) {
        static final Deployed NONE = new Deployed(0, null, null, null);
    }

    /** The serving run every public entry point comes to. */
    static SimulationResult simulate(SimulationRequest req, ModelConfig resolved, SystemSpec system, PlanSource planner, Deployed d) {
        double prefixHit = d.prefixHit();
        ServingLoop.RequestSink requests = d.requests();
        io.moesim.sim.serving.Speculation spec = d.spec();
        long wall0 = System.nanoTime();
        ModelConfig model = configured(req, resolved);
        DType dtype = req.dtypeOf(model);
        Routing routing = req.routing().value();
        LengthSpec lengths = req.lengths().value();
        ArrivalSpec arrival = arrival(req);
        int maxBatch = req.batch() > 0 && req.arrivalTrace() == null ? req.batch() : req.maxBatch();
        EnergyModel energy = new EnergyModel(system, req.energy());
        CompileOptions layout = req.compileOptionsOn(system);
        int rowShards = layout.rowShards();
        IterationCache cache = new IterationCache(model, dtype, routing, req.seed(), system, planner, req.costModel(),
                req.collectiveAlgorithm(), energy, rowShards);
        long budget = tokenBudget(req, system);
        long kv;
        io.moesim.sim.offload.OffloadRun offload = null;
        if (req.offload() != null) {
            offload = io.moesim.sim.offload.OffloadRun.plan(req.offload(), model, dtype, routing, system, req.kvCapacityTokens() > 0
                    ? req.kvCapacityTokens() : (long) maxBatch * (req.inputLength() + req.outputLength()), req.seed());
            kv = offload.kvTokens();
        } else {
            kv = kvCapacity(req, model, dtype, system, cache, maxBatch, layout);
        }
        ServingConfig cfg = new ServingConfig(arrival, req.requests(), req.inputLength(), req.outputLength(), lengths, maxBatch,
                budget, kv, req.signatureBits(), req.seed());
        IterationModel iterations = req.iterationModel() == IterationModel.Kind.FAST ? new FastIterationModel(cache) : cache;
        io.moesim.sim.serving.OffloadIterationModel offloaded = offload == null ? null
                : new io.moesim.sim.serving.OffloadIterationModel(iterations, offload.model());
        if (offloaded != null) {
            iterations = offloaded;
        }
        io.moesim.hw.FrameworkProfile.Serving engine = engine(req, system);
        IterationModel draft = null;
        if (spec != null && spec.method() == io.moesim.sim.serving.Speculation.Method.DRAFT) {
            // the draft model on the same devices, compiled by the same planner
            draft = new IterationCache(ModelZoo.resolve(spec.draftModel()), dtype, routing, req.seed(), system, planner, req.costModel(),
                    req.collectiveAlgorithm(), energy, rowShards);
        }
        ServingLoop loop = new ServingLoop(cfg, iterations, system, energy.staticWatts(), kv, dtype, prefixHit, engine, spec, draft, model.layers());
        ServingLoop.Progress progress = req.progress() == null ? null
                : (done, total, ps) -> req.progress().update(done, total, ps / 1e12);
        SimulationResult r;
        if (req.tracePath() != null) {
            SimulationResult[] box = new SimulationResult[1];
            AtomicFiles.write(req.tracePath(), os -> {
                TraceWriter tw = new TraceWriter(os);
                box[0] = loop.run(echoPrefix(echo(req, model, system, dtype, maxBatch, kv), prefixHit), tw, req.traceIterations(), progress, requests);
                tw.close();
            });
            r = box[0];
        } else {
            r = loop.run(echoPrefix(echo(req, model, system, dtype, maxBatch, kv), prefixHit), null, 0, progress, requests);
        }
        if (offloaded != null) {
            r = r.withConfig(offload.report(offloaded, r));
        }
        r = r.withConfig(weakScaling(req, model, dtype, system, maxBatch));
        if (spec != null) {
            r = r.withConfig(java.util.Map.of("speculation", spec.describe()));
            if (d.specSection() != null) {
                d.specSection().accept(loop.speculationSection());
            }
        }
        double wall = (System.nanoTime() - wall0) / 1e9;
        return r.withSimWall(OptionalDouble.of(wall));
    }

    /** How the request's requests arrive: a trace, all at once (offline), a closed loop of its batch, or Poisson at its rate. */
    static ArrivalSpec arrival(SimulationRequest req) {
        return req.arrivalTrace() != null ? ArrivalSpec.Trace.read(req.arrivalTrace())
                : req.offline() ? new ArrivalSpec.Closed(req.requests())
                : req.batch() > 0 ? new ArrivalSpec.Closed(req.batch()) : new ArrivalSpec.Poisson(req.qps(), req.poissonGaps());
    }

    /**
     * The KV-cache capacity in tokens of one instance on {@code system}: the request's; else, under {@code kvFraction},
     * that fraction of what the fullest device has free after its weights and the activations of {@code cache}'s largest
     * iteration, times the devices ({@link #kvFractionTokens}); else {@link #MEMORY_UTILIZATION} of all memory less the
     * weights. A device's memory is what its driver reports ({@link io.moesim.hw.MemorySpec#reportedBytes}). Either is
     * divided by the copies of a token's KV the layout keeps ({@link #kvCopies}).
     */
    static long kvCapacity(SimulationRequest req, ModelConfig model, DType dtype, SystemSpec system, IterationCache cache, int maxBatch,
            CompileOptions layout) {
        if (req.kvCapacityTokens() > 0) {
            return req.kvCapacityTokens();
        }
        long tokens = req.kvFraction() > 0
                ? kvFractionTokens(model, dtype, system, req.kvFraction(), fullestDeviceBytes(cache, tokenBudget(req, system)), req.signatureBits())
                : kvCapacityTokensHolding(model, dtype, system, storedWeightBytes(model, dtype, layout));
        return withStates(model, dtype, system, tokens / kvCopies(model, layout.attention().tp()), maxBatch);
    }

    /**
     * The weight bytes all the devices of a layout hold together: tensor, expert and pipeline parallelism cut the weights,
     * data parallelism copies them. Attention and the other dense weights are kept once per attention data-parallel
     * rank (ep x dp of the attention degrees, which split only its rows), the routed experts once per MoE
     * data-parallel replica. One copy ({@link io.moesim.ir.model.ExpertQuant#weightBytes}) without data parallelism.
     */
    public static double storedWeightBytes(ModelConfig m, DType dtype, CompileOptions layout) {
        double all = io.moesim.ir.model.ExpertQuant.weightBytes(m, dtype);
        double routed = io.moesim.ir.model.ExpertQuant.routedExpertBytes(m, dtype);
        long denseCopies = (long) layout.attention().ep() * layout.attention().dp();
        return (all - routed) * denseCopies + routed * layout.moe().dp();
    }

    /**
     * How many copies of a token's KV an instance keeps under {@code attentionTp}-way tensor-parallel attention: one where
     * the KV heads split over the ranks; tp / kv_heads where each rank holds one replicated KV head (vLLM, SGLang); tp
     * under MLA, whose latent KV every rank keeps whole (the reason DeepSeek deployments run attention data-parallel).
     * The KV capacities in tokens (all devices' memory over {@link #kvBytesPerToken}) are divided by it.
     */
    public static int kvCopies(ModelConfig m, int attentionTp) {
        if (attentionTp <= 1) {
            return 1;
        }
        if (m.attention().kind() == AttentionKind.MLA) {
            return attentionTp;
        }
        int perRank = io.moesim.ir.op.Attention.kvHeadsPerRank(m.kvHeads(), attentionTp);
        return perRank == 0 ? 1 : attentionTp * perRank / m.kvHeads();
    }

    /**
     * The KV capacity left once the per-sequence states of a hybrid model's linear-attention layers are set aside for
     * {@code maxBatch} sequences (a state pool sized by the batch, as vLLM's Mamba cache is by max_num_seqs), in
     * KV tokens; unchanged for a model without linear layers.
     */
    static long withStates(ModelConfig model, DType dtype, SystemSpec system, long tokens, int maxBatch) {
        long state = stateBytesPerSequence(model, dtype);
        if (state == 0) {
            return tokens;
        }
        long perToken = Math.max(1, kvBytesPerToken(model, dtype));
        long pool = (long) Math.ceil((double) maxBatch * state / perToken);
        if (tokens - pool < 1) {
            throw new SimulationException(0, "system " + system.id(), "the linear-attention states of " + maxBatch + " sequences of " + model.name() + " ("
                    + Math.round((double) maxBatch * state / 1e9) + " GB) leave no room for a KV cache; lower --max-batch");
        }
        return tokens - pool;
    }

    /**
     * The clock a serving run's iterations run the system's device at ({@link
     * io.moesim.sim.kernel.KernelCostModel#servingClockMHz}, rounded to 0.1 MHz), where its spec's serving clock fraction
     * applies; empty elsewhere (the config then has no key, as before the figure existed).
     */
    public static OptionalDouble servingClock(CostModel cost, SystemSpec system) {
        if (!(cost instanceof io.moesim.sim.kernel.KernelCostModel k)) {
            return OptionalDouble.empty();
        }
        OptionalDouble mhz = k.underServingLoad().servingClockMHz(system.device(), system.device().primary());
        return mhz.isPresent() ? OptionalDouble.of(Math.round(mhz.getAsDouble() * 10) / 10.0) : mhz;
    }

    /**
     * The model as the request serves it: its routed experts stored as {@code --expert-dtype} says, its KV cache in
     * {@code --kv-dtype}, its residual stream in {@code --residual}'s form. Every serving path (aggregated, each
     * disaggregated pool) takes its model from here.
     */
    public static ModelConfig configured(SimulationRequest req, ModelConfig resolved) {
        ModelConfig quantised = req.expertQuant() == null ? resolved : resolved.withExpertQuant(req.expertQuant());
        ModelConfig kvModel = req.kvDtype() == null ? quantised : quantised.withKvDtype(req.kvDtype());
        return req.residual() == null ? kvModel : kvModel.withResidual(req.residual());
    }

    /** Executes one plan at the system level (a single iteration). */
    public static ExecutionResult execute(HardwarePlan plan, SystemSpec system, CostModel costModel, CollectiveAlgorithm algorithm) {
        return PlanExecutor.run(new PreparedPlan(plan, system, new TaskTimer(costModel, system.device()),
                CollectiveModel.of(system, algorithm, costModel)));
    }

    /**
     * Under {@code --overlap fused}, FlashMoE's weak-scaling efficiency T(2 GPUs)/T(N GPUs) of one of the model's
     * MoE layers on this system's device and links, with the work per GPU fixed at the run's largest decode batch
     * per GPU ({@link io.moesim.sim.system.MoeWeakScaling}), beside the same with separate kernels (overlap layer).
     * Empty for other overlaps, dense models and one device.
     */
    static java.util.Map<String, Object> weakScaling(SimulationRequest req, ModelConfig model, DType dtype, SystemSpec system, int maxBatch) {
        io.moesim.compiler.CompileOptions o = req.compileOptionsOn(system);
        if (o.overlap() != io.moesim.compiler.CompileOptions.Overlap.FUSED || model.moe() == null || system.devices() < 2) {
            return java.util.Map.of();
        }
        var shape = io.moesim.sim.system.MoeWeakScaling.shapeOf(model.moe(), model.hidden(), dtype, system.devices(),
                Math.max(1, (long) maxBatch / system.devices()));
        // fewer experts per GPU than GPUs: shapeOf cuts each expert into slices (MoeWeakScaling); only T(2) and T(N) are needed
        var fused = io.moesim.sim.system.MoeWeakScaling.endpoints(system, shape, o.overlap(), o.tiles(), req.costModel(), req.collectiveAlgorithm());
        var layer = io.moesim.sim.system.MoeWeakScaling.endpoints(system, shape, io.moesim.compiler.CompileOptions.Overlap.LAYER, o.tiles(),
                req.costModel(), req.collectiveAlgorithm());
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>(fused.echo());
        m.put("moe_weak_scaling_efficiency_separate", layer.efficiency());
        return m;
    }

    /** Writes one execution as a Chrome/Perfetto trace file. */
    public static void writeTrace(ExecutionResult r, Path file) {
        AtomicFiles.write(file, os -> {
            TraceWriter tw = new TraceWriter(os);
            tw.execution(r, 0);
            tw.close();
        });
    }

    /**
     * KV bytes one token adds over all layers (K and V per KV head; MLA: the latent and the RoPE key, and with DSA the
     * indexer's fp8 key and its scale). Only the
     * full-attention layers keep per-token KV: a hybrid model's linear-attention layers keep a fixed state per
     * sequence instead ({@link #stateBytesPerSequence}).
     */
    public static long kvBytesPerToken(ModelConfig m, DType dtype) {
        long perLayer;
        long indexer = 0;
        if (m.attention().kind() == AttentionKind.MLA) {
            perLayer = m.attention().mla().kvLoraRank() + m.attention().mla().qkRopeHeadDim();
            if (m.attention().mla().hasIndexer()) {
                // DSA's lightning indexer keeps its own key per token: fp8 and a scale, whatever the KV dtype
                indexer = io.moesim.ir.op.LightningIndexer.keyBytes(m.attention().mla().indexHeadDim());
            }
        } else {
            perLayer = 2L * m.kvHeads() * m.headDim();
        }
        int layers = m.attention().fullAttentionLayers(m.layers());
        return kvDtype(m, dtype).bytesFor(perLayer * layers) + indexer * layers;
    }

    /**
     * State bytes one sequence keeps over all linear-attention layers, whatever its length: per Gated DeltaNet layer
     * value_heads x key_dim x value_dim of S and (conv_kernel - 1) x conv_dim of the conv, in the KV dtype; 0 for a
     * model without such layers.
     */
    public static long stateBytesPerSequence(ModelConfig m, DType dtype) {
        io.moesim.ir.model.LinearAttention la = m.attention().linear();
        if (la == null) {
            return 0;
        }
        long linear = m.layers() - m.attention().fullAttentionLayers(m.layers());
        return kvDtype(m, dtype).bytesFor(la.stateElements() * linear);
    }

    private static DType kvDtype(ModelConfig m, DType dtype) {
        return m.attention().kvDtype() != null ? m.attention().kvDtype() : dtype;
    }

    /** KV-cache capacity in tokens: MEMORY_UTILIZATION of all device memory as the driver reports it, less the weights. */
    public static long kvCapacityTokens(ModelConfig m, DType dtype, SystemSpec system) {
        return kvCapacityTokensHolding(m, dtype, system, io.moesim.ir.model.ExpertQuant.weightBytes(m, dtype));
    }

    /** The same, with the devices holding {@code weights} bytes of weights ({@link #storedWeightBytes}). */
    public static long kvCapacityTokensHolding(ModelConfig m, DType dtype, SystemSpec system, double weights) {
        double usable = MEMORY_UTILIZATION * system.devices() * system.device().memory().reportedBytes();
        return kvTokens(m, dtype, system, usable - weights, () -> "the weights of " + m.name() + " (" + Math.round(weights / 1e9)
                + " GB) leave no room for a KV cache in " + Math.round(usable / 1e9) + " GB");
    }

    /**
     * KV-cache capacity in tokens as TensorRT-LLM sizes it ({@code kv_cache_free_gpu_mem_fraction}): {@code fraction} of the
     * memory the fullest device finds free (of the driver's total, {@link io.moesim.hw.MemorySpec#reportedBytes}) after
     * loading its weights and running the largest iteration once
     * ({@code fullestDeviceBytes}, {@link #fullestDeviceBytes}), times the devices. Every rank keeps its share of every
     * token's KV, so the pool is what the rank with the least room left holds, times the ranks. It is also kept below
     * free / (1 + 2^−bits): iteration signatures round the KV context up by at most 2^−bits (see
     * {@link io.moesim.sim.serving.BatchSignature}), and the compiled iteration must still fit.
     */
    public static long kvFractionTokens(ModelConfig m, DType dtype, SystemSpec system, double fraction, long fullestDeviceBytes, int signatureBits) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new SimulationException(0, "kv fraction", "must be in (0, 1], got " + fraction);
        }
        double capacity = system.device().memory().reportedBytes();
        double free = capacity - fullestDeviceBytes;
        double kvBytes = system.devices() * Math.min(fraction * free, free / (1 + Math.scalb(1.0, -signatureBits)));
        return kvTokens(m, dtype, system, kvBytes, () -> "the fullest device holds " + Math.round(fullestDeviceBytes / 1e9) + " GB of "
                + m.name() + "'s weights and activations, leaving no room for a KV cache in its " + Math.round(capacity / 1e9) + " GB");
    }

    /**
     * The token budget per iteration a run gets: the request's, else its framework profile's default
     * ({@code serving: max_num_tokens}, e.g. TensorRT-LLM's 8192) under a real framework's kernel cost model,
     * else {@link ServingConfig#DEFAULT_TOKEN_BUDGET}.
     */
    public static long tokenBudget(SimulationRequest req, SystemSpec system) {
        if (req.tokenBudget() > 0) {
            return req.tokenBudget();
        }
        if (req.costModel() instanceof io.moesim.sim.kernel.KernelCostModel k && !k.profile(system.device()).isIdeal()
                && k.profile(system.device()).serving().maxNumTokens() > 0) {
            return k.profile(system.device()).serving().maxNumTokens();
        }
        return ServingConfig.DEFAULT_TOKEN_BUDGET;
    }

    /**
     * The serving engine a run on {@code system} pays and schedules under: its framework profile's {@code serving:}
     * figures under the kernel cost model, null under {@code ideal} or another cost model (hypothetical hardware).
     * Every serving loop (aggregated, and each disaggregated pool on its own system) takes its engine from here, with
     * the run's chunked prefill where it sets one (a benchmark harness that sets its engine's chunked context).
     */
    public static io.moesim.hw.FrameworkProfile.Serving engine(SimulationRequest req, SystemSpec system) {
        if (!(req.costModel() instanceof io.moesim.sim.kernel.KernelCostModel k) || k.profile(system.device()).isIdeal()) {
            if (req.chunkedPrefill() != null) {
                throw new io.moesim.ir.MoesimException("chunked_prefill: a setting of a framework's engine (a real GPU under the kernel cost model and a "
                        + "framework profile); " + system.id() + " runs none here, and its serving loop always chunks prompts");
            }
            return null;
        }
        io.moesim.hw.FrameworkProfile.Serving s = k.profile(system.device()).serving();
        return req.chunkedPrefill() == null ? s : s.withChunkedPrefill(req.chunkedPrefill());
    }

    /**
     * What the fullest device of an instance holds before its KV cache: its weights as the compiled plan places them and the
     * activations of the largest iteration an engine runs (one prefill chunk of the whole token budget; the compiler's memory
     * plan: twice the largest op's working set), the memory an engine finds taken after loading the weights and running that
     * iteration once. The plan splits the embedding table and the LM head over the tensor-parallel ranks and keeps both in
     * the checkpoint's precision under fp8, as the engines do; a tied table is held once, as the embedding's
     * ({@code MatMul.tied}), except on a later pipeline stage, which holds its own copy.
     */
    static long fullestDeviceBytes(IterationCache cache, long tokenBudget) {
        io.moesim.compiler.plan.HardwarePlan plan = cache.exact(new io.moesim.sim.serving.BatchSignature(0, 0, 1, tokenBudget)).execution().plan().plan();
        long max = 0;
        for (io.moesim.compiler.plan.DeviceMemory d : plan.memory()) {
            max = Math.max(max, d.weightBytes() + d.activationBytes());
        }
        return max;
    }

    /** {@code kvBytes} of KV cache in tokens; an error naming the system and saying why ({@code noRoom}) when not one fits. */
    private static long kvTokens(ModelConfig m, DType dtype, SystemSpec system, double kvBytes, java.util.function.Supplier<String> noRoom) {
        long tokens = (long) (kvBytes / Math.max(1, kvBytesPerToken(m, dtype)));
        if (tokens < 1) {
            throw new SimulationException(0, "system " + system.id(), noRoom.get());
        }
        return tokens;
    }

    /**
     * KV capacity in tokens of one wide-EP instance under {@code cfg} at the serving memory utilisation
     * ({@link io.moesim.sim.serving.WideEpIterationModel#kvCapacityTokens}), as a serving run and {@code tune} size it.
     */
    public static long wideEpKvCapacityTokens(ModelConfig model, DType dtype, SystemSpec system, io.moesim.sim.widep.WideEpConfig cfg) {
        return io.moesim.sim.serving.WideEpIterationModel.kvCapacityTokens(model, dtype, system, cfg, MEMORY_UTILIZATION,
                Math.max(1, kvBytesPerToken(model, dtype)));
    }

    static Map<String, Object> echoPrefix(Map<String, Object> echo, double prefixHit) {
        if (prefixHit > 0) {
            echo.put("prefix_hit", prefixHit);
        }
        return echo;
    }

    static Map<String, Object> echo(SimulationRequest r, ModelConfig model, SystemSpec system, DType dtype, int maxBatch, long kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.name());
        m.put("system", system.id());
        m.put("devices", system.devices());
        m.put("mode", r.arrivalTrace() != null ? "trace" : r.offline() ? "offline" : r.batch() > 0 ? "closed" : "poisson");
        m.put("batch", r.batch());
        m.put("qps", r.qps());
        if (r.poissonGaps() != ArrivalSpec.PoissonGaps.MOESIM) {
            m.put("poisson_gaps", r.poissonGaps().toString()); // only where set: results of moesim's own gaps stay as they were
        }
        m.put("arrival_trace", r.arrivalTrace() == null ? "none" : r.arrivalTrace().getFileName().toString());
        m.put("requests", r.requests());
        m.put("input_length", r.inputLength());
        m.put("output_length", r.outputLength());
        m.put("lengths", r.lengths().text());
        m.put("routing", r.routing().text());
        m.put("dtype", dtype.text());
        if (model.moe() != null && model.moe().quant() != null) {
            m.put("expert_format", model.moe().quant().describe());
        }
        if (model.attention().kvDtype() != null) {
            m.put("kv_dtype", model.attention().kvDtype().text());
        }
        if (model.residual() != io.moesim.ir.model.Residual.STANDARD) {
            m.put("residual", model.residual().text());
        }
        m.put("max_batch", maxBatch);
        m.put("token_budget", tokenBudget(r, system));
        m.put("kv_capacity_tokens", kv);
        if (r.kvFraction() > 0) {
            m.put("kv_fraction", r.kvFraction());
        }
        m.put("signature_bits", r.signatureBits());
        m.put("iteration_model", r.iterationModel().text());
        m.put("cost_model", r.costModel().name());
        m.put("framework", r.costModel() instanceof io.moesim.sim.kernel.KernelCostModel k ? k.profile(system.device()).id() : "none");
        servingClock(r.costModel(), system).ifPresent(v -> m.put("serving_clock_MHz", v));
        m.put("collective_algorithm", r.collectiveAlgorithm().name().toLowerCase(java.util.Locale.ROOT));
        m.put("compile", r.compileOptionsOn(system).describe());
        m.put("seed", r.seed());
        return m;
    }
}
