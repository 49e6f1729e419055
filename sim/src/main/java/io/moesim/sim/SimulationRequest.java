package io.moesim.sim;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.cost.CostModel;
import io.moesim.ir.DType;
import io.moesim.ir.model.Routing;
import io.moesim.sim.energy.EnergyConstants;
import io.moesim.sim.serving.IterationModel;
import io.moesim.sim.serving.LengthSpec;
import io.moesim.sim.serving.ServingConfig;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything {@code moesim simulate} decides. Build with {@link #builder(String, String)}.
 *
 * @param model          preset name, alias or Hugging Face config path
 * @param system         system id or file ({@code duplex-x4}, {@code h100x8}, ...)
 * @param systemSets     {@code --set KEY.PATH=V} overrides of the system (and device.*)
 * @param batch          closed loop with this many concurrent requests (also the max batch); 0 for open loop or offline
 * @param qps            open loop, Poisson at this rate (requests/s); 0 for closed loop or offline
 * @param offline        offline (as trtllm-bench throughput and vLLM's offline benchmark run): every request queued at
 *                       t = 0, the batch bounded by {@code maxBatch}, the token budget and the KV capacity
 * @param arrivalTrace   replay this file of "arrival_s L_in L_out" instead (null for none)
 * @param requests       requests to serve
 * @param maxBatch       max sequences in flight in open loop and offline (closed loop uses {@code batch})
 * @param lengths        "fixed", "gaussian:SIGMA" (SIGMA a fraction of the nominal) or a file, parsed ({@link Parsed#lengths})
 * @param routing        "uniform", "zipf:S" or "trace:FILE", parsed ({@link Parsed#routing})
 * @param dtype          serving precision; null for the model's
 * @param costModel      task durations and the compiler's placement costs
 * @param tokenBudget    tokens per iteration (an engine's {@code max_num_tokens}); 0 for the engine's default (see
 *                       {@link Simulator#tokenBudget})
 * @param kvCapacityTokens KV-cache capacity in tokens; 0 to derive it from the memory left after the weights
 * @param kvFraction     fraction of the memory left after the weights that the KV cache gets (TensorRT-LLM's
 *                       {@code kv_cache_free_gpu_mem_fraction}); 0 for moesim's default, {@link Simulator#MEMORY_UTILIZATION}
 *                       of all memory less the weights (vLLM's {@code gpu_memory_utilization})
 * @param iterationModel how an iteration's cost is found: {@code EXACT} compiles and simulates every new batch signature
 *                       event by event, {@code FAST} interpolates between exactly simulated grid signatures
 * @param tracePath      Chrome/Perfetto trace output (null for none)
 * @param traceIterations how many iterations the trace holds (from the first)
 * @param progress       called after every iteration (may be null)
 * @param expertQuant    storage format of the routed experts' weights per MoE layer (null: the serving dtype)
 * @param offload        expert offloading to a slower tier under an HBM budget (null: every weight in HBM)
 * @param kvDtype        KV-cache dtype; null for the serving dtype
 * @param residual       residual-stream form (standard or ladder); null for the model's own
 */
public record SimulationRequest(
        String model,
        String system,
        List<String> systemSets,
        int batch,
        double qps,
        boolean offline,
        Path arrivalTrace,
        int requests,
        int inputLength,
        int outputLength,
        int maxBatch,
        Parsed<LengthSpec> lengths,
        Parsed<Routing> routing,
        DType dtype,
        CompileOptions compileOptions,
        CostModel costModel,
        CollectiveAlgorithm collectiveAlgorithm,
        EnergyConstants energy,
        long tokenBudget,
        long kvCapacityTokens,
        double kvFraction,
        int signatureBits,
        IterationModel.Kind iterationModel,
        long seed,
        Path tracePath,
        long traceIterations,
        Progress progress,
        io.moesim.ir.model.ExpertQuant expertQuant,
        io.moesim.sim.offload.OffloadSpec offload,
        DType kvDtype,
        io.moesim.ir.model.Residual residual) {

    /** Progress of a run: requests completed of total, and the simulated time so far. */
    @FunctionalInterface
    public interface Progress {
        void update(long completed, long total, double simulatedS);
    }

    public SimulationRequest {
        systemSets = List.copyOf(systemSets);
        iterationModel = iterationModel == null ? DEFAULT_ITERATION_MODEL : iterationModel;
        if (batch < 0 || qps < 0 || offline && (batch > 0 || qps > 0 || arrivalTrace != null)
                || !offline && (batch > 0) == (qps > 0) && arrivalTrace == null) {
            throw new IllegalArgumentException("give exactly one of a batch (closed loop), a request rate (open loop) and offline");
        }
        if (!(kvFraction >= 0 && kvFraction <= 1)) {
            throw new IllegalArgumentException("KV fraction must be in (0, 1] (0 for the default), got " + kvFraction);
        }
    }

    /**
     * The default iteration model: exact. The fast path holds throughput and the TBT p50/p90 within 1%
     * of it but moves TTFT tails by a few percent, and saves well under the 10x a default change
     * would be worth on the runs (see FastIterationModel); it is there to ask for.
     */
    public static final IterationModel.Kind DEFAULT_ITERATION_MODEL = RunSpec.option(IterationModel.Kind.class,
            RunSpec.DEFAULT_ITERATION_MODEL, "iteration_model");

    public static Builder builder(String model, String system) {
        return new Builder(model, system);
    }

    public Builder toBuilder() {
        Builder b = new Builder(model, system);
        b.systemSets = systemSets;
        b.batch = batch;
        b.qps = qps;
        b.offline = offline;
        b.arrivalTrace = arrivalTrace;
        b.requests = requests;
        b.inputLength = inputLength;
        b.outputLength = outputLength;
        b.maxBatch = maxBatch;
        b.lengths = lengths;
        b.routing = routing;
        b.dtype = dtype;
        b.compileOptions = compileOptions;
        b.costModel = costModel;
        b.collectiveAlgorithm = collectiveAlgorithm;
        b.energy = energy;
        b.tokenBudget = tokenBudget;
        b.kvCapacityTokens = kvCapacityTokens;
        b.kvFraction = kvFraction;
        b.signatureBits = signatureBits;
        b.iterationModel = iterationModel;
        b.seed = seed;
        b.tracePath = tracePath;
        b.traceIterations = traceIterations;
        b.progress = progress;
        b.expertQuant = expertQuant;
        b.offload = offload;
        b.kvDtype = kvDtype;
        b.residual = residual;
        return b;
    }

    /**
     * The compile options on {@code system}: this request's, or where it gives none, the defaults for the
     * system's device count ({@link RunSpec#defaultCompileOptions}).
     */
    public CompileOptions compileOptionsOn(io.moesim.hw.SystemSpec system) {
        return compileOptions != null ? compileOptions : RunSpec.defaultCompileOptions(system.devices(), routing.text(), seed);
    }

    /**
     * Defaults: those of {@link RunSpec}, declared there once (closed loop of {@link RunSpec#DEFAULT_BATCH},
     * {@link RunSpec#DEFAULT_REQUESTS} requests, fixed lengths, uniform routing, the kernel cost model under
     * each device's default framework profile, tensor parallelism over the system, seed 0).
     */
    public static final class Builder {
        private final String model;
        private final String system;
        private List<String> systemSets = List.of();
        private int batch = RunSpec.DEFAULT_BATCH;
        private double qps;
        private boolean offline;
        private Path arrivalTrace;
        private int requests;
        private int inputLength = RunSpec.DEFAULT_IN;
        private int outputLength = RunSpec.DEFAULT_OUT;
        private int maxBatch = RunSpec.DEFAULT_MAX_BATCH;
        private Parsed<LengthSpec> lengths = Parsed.lengths(RunSpec.DEFAULT_LENGTHS, "lengths");
        private Parsed<Routing> routing = Parsed.routing(RunSpec.DEFAULT_ROUTING, "routing");
        private DType dtype;
        /** Null: the defaults for the system's device count ({@link SimulationRequest#compileOptionsOn}). */
        private CompileOptions compileOptions;
        /** Null: {@link RunSpec#DEFAULT_COST_MODEL}, each device under its default framework profile. */
        private CostModel costModel;
        private CollectiveAlgorithm collectiveAlgorithm = RunSpec.option(CollectiveAlgorithm.class, RunSpec.DEFAULT_COLLECTIVES, "collectives");
        private EnergyConstants energy = EnergyConstants.defaults();
        private long tokenBudget; // 0: the engine's default
        private long kvCapacityTokens;
        private double kvFraction;
        private int signatureBits = ServingConfig.DEFAULT_SIGNATURE_BITS;
        private IterationModel.Kind iterationModel = DEFAULT_ITERATION_MODEL;
        private long seed = RunSpec.DEFAULT_SEED;
        private Path tracePath;
        private long traceIterations = Long.MAX_VALUE;
        private Progress progress;
        private io.moesim.ir.model.ExpertQuant expertQuant;
        private io.moesim.sim.offload.OffloadSpec offload;
        private DType kvDtype;
        private io.moesim.ir.model.Residual residual;

        private Builder(String model, String system) {
            this.model = model;
            this.system = system;
        }

        public Builder systemSets(List<String> v) { systemSets = v; return this; }
        public Builder batch(int v) { batch = v; qps = 0; offline = false; return this; }
        public Builder qps(double v) { qps = v; batch = 0; offline = false; return this; }
        /** Offline: every request queued at t = 0 (max batch, token budget and KV capacity bound each iteration). */
        public Builder offline() { offline = true; batch = 0; qps = 0; return this; }
        public Builder arrivalTrace(Path v) { arrivalTrace = v; batch = 0; qps = 0; offline = false; return this; }
        public Builder requests(int v) { requests = v; return this; }
        public Builder lengths(int in, int out) { inputLength = in; outputLength = out; return this; }
        public Builder maxBatch(int v) { maxBatch = v; return this; }
        public Builder lengths(Parsed<LengthSpec> v) { lengths = v; return this; }
        /** Lengths as text, parsed now (an error names {@code lengths}). */
        public Builder lengths(String v) { return lengths(Parsed.lengths(v, "lengths")); }
        public Builder routing(Parsed<Routing> v) { routing = v; return this; }
        /** Routing as text, parsed now (an error names {@code routing}). */
        public Builder routing(String v) { return routing(Parsed.routing(v, "routing")); }
        public Builder dtype(DType v) { dtype = v; return this; }
        /** The serving dtype by name, parsed now (null: the model's; an error names {@code dtype}). */
        public Builder dtype(String v) { return dtype(Parsed.dtype(v, "dtype")); }
        public Builder compileOptions(CompileOptions v) { compileOptions = v; return this; }
        public Builder costModel(CostModel v) { costModel = v; return this; }
        public Builder collectiveAlgorithm(CollectiveAlgorithm v) { collectiveAlgorithm = v; return this; }
        public Builder energy(EnergyConstants v) { energy = v; return this; }
        public Builder tokenBudget(long v) { tokenBudget = v; return this; }
        public Builder kvCapacityTokens(long v) { kvCapacityTokens = v; return this; }
        public Builder kvFraction(double v) { kvFraction = v; return this; }
        public Builder signatureBits(int v) { signatureBits = v; return this; }
        public Builder iterationModel(IterationModel.Kind v) { iterationModel = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder trace(Path v, long iterations) { tracePath = v; traceIterations = iterations; return this; }
        public Builder progress(Progress v) { progress = v; return this; }
        /** Routed experts stored as {@code v} says (compressed experts; null: the serving dtype). */
        public Builder expertQuant(io.moesim.ir.model.ExpertQuant v) { expertQuant = v; return this; }
        /** Expert offloading under an HBM budget (null: none). */
        public Builder offload(io.moesim.sim.offload.OffloadSpec v) { offload = v; return this; }
        /** KV cache stored in this dtype (null: the serving dtype). */
        public Builder kvDtype(DType v) { kvDtype = v; return this; }
        /** The KV-cache dtype by name, parsed now (null: the serving dtype; an error names {@code kv_dtype}). */
        public Builder kvDtype(String v) { return kvDtype(Parsed.dtype(v, "kv_dtype")); }
        /** The model's residual stream in this form (null: the model's own, standard). */
        public Builder residual(io.moesim.ir.model.Residual v) { residual = v; return this; }

        public SimulationRequest build() {
            int n = requests > 0 ? requests : RunSpec.DEFAULT_REQUESTS;
            CostModel cost = costModel != null ? costModel
                    : RunSpec.defaultCostModel(new io.moesim.sim.kernel.KernelSimulator());
            return new SimulationRequest(model, system, systemSets, batch, qps, offline, arrivalTrace, n, inputLength, outputLength, maxBatch,
                    lengths, routing, dtype, compileOptions, cost, collectiveAlgorithm, energy, tokenBudget, kvCapacityTokens,
                    kvFraction, signatureBits, iterationModel, seed, tracePath, traceIterations, progress, expertQuant, offload, kvDtype, residual);
        }
    }
}
