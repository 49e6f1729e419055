package io.moesim.sim;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.cost.CostModel;
import io.moesim.ir.DType;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Routing;
import io.moesim.sim.energy.EnergyConstants;
import io.moesim.sim.serving.IterationModel;
import io.moesim.sim.serving.LengthSpec;
import io.moesim.sim.serving.ServingConfig;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the simulator runs: a {@link RunSpec} (the run as the user states it, every default declared there)
 * resolved for the simulator, with what only a library caller or {@code simulate} gives beside it. It has no
 * defaults of its own for what a RunSpec says: its builder delegates those to {@link RunSpec.Builder}, and the
 * accessors below ({@link #batch()}, {@link #routing()}, ...) read them from {@link #run}. Build with
 * {@link #builder(String, String)} or {@link RunSpec#request}.
 *
 * @param run            the run: model, system, workload, lengths, routing, dtype, engine limits, seed
 * @param compileOptions the compile options; null for the run's on the system ({@link #compileOptionsOn})
 * @param costModel      task durations and the compiler's placement costs
 * @param energy         energy constants
 * @param signatureBits  precision of iteration signatures ({@link io.moesim.sim.serving.BatchSignature})
 * @param tracePath      Chrome/Perfetto trace output (null for none)
 * @param traceIterations how many iterations the trace holds (from the first)
 * @param progress       called after every iteration (may be null)
 * @param expertQuant    storage format of the routed experts' weights per MoE layer (null: the serving dtype)
 * @param offload        expert offloading to a slower tier under an HBM budget (null: every weight in HBM)
 * @param kvDtype        KV-cache dtype; null for the serving dtype
 * @param residual       residual-stream form (standard or ladder); null for the model's own
 */
public record SimulationRequest(
        RunSpec run,
        CompileOptions compileOptions,
        CostModel costModel,
        EnergyConstants energy,
        int signatureBits,
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
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(costModel, "costModel");
        Objects.requireNonNull(energy, "energy");
    }

    // ---- the run's settings (see RunSpec) -----------------------------------------------------------

    /** Preset name, alias or Hugging Face config path. */
    public String model() { return run.model(); }
    /** System id or file ({@code duplex-x4}, {@code h100x8}, ...). */
    public String system() { return run.system(); }
    /** {@code --set KEY.PATH=V} overrides of the system (and device.*). */
    public List<String> systemSets() { return run.sets(); }
    /** Closed loop with this many concurrent requests (also the max batch); 0 for open loop, offline or a trace. */
    public int batch() { return run.batch(); }
    /** Open loop, Poisson at this rate (requests/s); 0 otherwise. */
    public double qps() { return run.qps(); }
    /** Offline: every request queued at t = 0, the batch bounded by {@link #maxBatch}, the token budget and the KV capacity. */
    public boolean offline() { return run.mode() == RunSpec.Mode.OFFLINE; }
    /** A file of "arrival_s L_in L_out" replayed instead (null for none). */
    public Path arrivalTrace() { return run.arrivals(); }
    public int requests() { return run.requests(); }
    public int inputLength() { return run.inputLength(); }
    public int outputLength() { return run.outputLength(); }
    /** Max sequences in flight in open loop and offline (closed loop uses {@link #batch}). */
    public int maxBatch() { return run.maxBatch(); }
    public Parsed<LengthSpec> lengths() { return run.lengths(); }
    public Parsed<Routing> routing() { return run.routing(); }
    /** Serving precision; null for the model's ({@link #dtypeOf}). */
    public DType dtype() { return run.dtype(); }
    /** Tokens per iteration; 0 for the engine's default (see {@link Simulator#tokenBudget}). */
    public long tokenBudget() { return run.tokenBudget(); }
    /** KV-cache capacity in tokens; 0 to derive it. */
    public long kvCapacityTokens() { return run.kvCapacityTokens(); }
    /** 0 for the default KV sizing, else TensorRT-LLM's {@code kv_cache_free_gpu_mem_fraction}. */
    public double kvFraction() { return run.kvFraction(); }
    /** Whether the engine splits prompts over iterations; null for the framework profile's ({@link Simulator#engine}). */
    public Boolean chunkedPrefill() { return run.chunkedPrefill(); }
    public io.moesim.sim.serving.ArrivalSpec.PoissonGaps poissonGaps() { return run.poissonGaps(); }
    public CollectiveAlgorithm collectiveAlgorithm() { return run.collectives(); }
    public IterationModel.Kind iterationModel() { return run.iterationModel(); }
    public long seed() { return run.seed(); }

    /** The serving dtype on {@code model}: the request's, else the model's weights'. */
    public DType dtypeOf(ModelConfig model) {
        return run.dtype() != null ? run.dtype() : model.weightDtype();
    }

    /** The compile options on {@code system}: this request's, or where it gives none, the run's on the system's device count. */
    public CompileOptions compileOptionsOn(io.moesim.hw.SystemSpec system) {
        return compileOptions != null ? compileOptions : run.compileOptions(system.devices());
    }

    public static Builder builder(String model, String system) {
        return new Builder(RunSpec.builder(model, system));
    }

    /** A builder that starts from {@code run}. */
    public static Builder builder(RunSpec run) {
        return new Builder(run.toBuilder());
    }

    public Builder toBuilder() {
        Builder b = new Builder(run.toBuilder());
        b.compileOptions = compileOptions;
        b.costModel = costModel;
        b.energy = energy;
        b.signatureBits = signatureBits;
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
     * The run's settings go to a {@link RunSpec.Builder} (its defaults, declared there once, and its checks, at
     * {@link #build}); the rest are the simulator's own: the run's cost model when none is given, the run's compile
     * options on the system when none are given, the default energy constants and signature bits, no trace,
     * progress, expert format, offloading, KV dtype or residual change.
     */
    public static final class Builder {
        private final RunSpec.Builder run;
        /** Null: the run's compile options on the system ({@link SimulationRequest#compileOptionsOn}). */
        private CompileOptions compileOptions;
        /** Null: the run's cost model ({@link RunSpec#costModel}), each device under its default framework profile. */
        private CostModel costModel;
        private EnergyConstants energy = EnergyConstants.defaults();
        private int signatureBits = ServingConfig.DEFAULT_SIGNATURE_BITS;
        private Path tracePath;
        private long traceIterations = Long.MAX_VALUE;
        private Progress progress;
        private io.moesim.ir.model.ExpertQuant expertQuant;
        private io.moesim.sim.offload.OffloadSpec offload;
        private DType kvDtype;
        private io.moesim.ir.model.Residual residual;

        private Builder(RunSpec.Builder run) {
            this.run = run;
        }

        public Builder systemSets(List<String> v) { run.sets(v); return this; }
        public Builder batch(int v) { run.batch(v); return this; }
        public Builder qps(double v) { run.qps(v); return this; }
        /** Offline: every request queued at t = 0 (max batch, token budget and KV capacity bound each iteration). */
        public Builder offline() { run.offline(); return this; }
        public Builder arrivalTrace(Path v) { run.arrivals(v); return this; }
        public Builder requests(int v) { run.requests(v); return this; }
        public Builder lengths(int in, int out) { run.lengths(in, out); return this; }
        public Builder maxBatch(int v) { run.maxBatch(v); return this; }
        public Builder lengths(Parsed<LengthSpec> v) { run.lengths(v); return this; }
        /** Lengths as text, parsed now (an error names {@code lengths}). */
        public Builder lengths(String v) { run.lengths(v); return this; }
        public Builder routing(Parsed<Routing> v) { run.routing(v); return this; }
        /** Routing as text, parsed now (an error names {@code routing}). */
        public Builder routing(String v) { run.routing(v); return this; }
        public Builder dtype(DType v) { run.dtype(v); return this; }
        /** The serving dtype by name, parsed now (null: the model's; an error names {@code dtype}). */
        public Builder dtype(String v) { run.dtype(v); return this; }
        public Builder tokenBudget(long v) { run.tokenBudget(v); return this; }
        public Builder kvCapacityTokens(long v) { run.kvCapacityTokens(v); return this; }
        public Builder kvFraction(double v) { run.kvFraction(v); return this; }
        public Builder chunkedPrefill(Boolean v) { run.chunkedPrefill(v); return this; }
        public Builder poissonGaps(io.moesim.sim.serving.ArrivalSpec.PoissonGaps v) { run.poissonGaps(v); return this; }
        public Builder collectiveAlgorithm(CollectiveAlgorithm v) { run.collectives(v); return this; }
        public Builder iterationModel(IterationModel.Kind v) { run.iterationModel(v); return this; }
        public Builder seed(long v) { run.seed(v); return this; }
        public Builder compileOptions(CompileOptions v) { compileOptions = v; return this; }
        public Builder costModel(CostModel v) { costModel = v; return this; }
        public Builder energy(EnergyConstants v) { energy = v; return this; }
        public Builder signatureBits(int v) { signatureBits = v; return this; }
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

        /** The request; a setting out of range fails here, naming it (see {@link RunSpec}). */
        public SimulationRequest build() {
            RunSpec r = run.build();
            CostModel cost = costModel != null ? costModel : r.costModel(new io.moesim.sim.kernel.KernelSimulator());
            return new SimulationRequest(r, compileOptions, cost, energy, signatureBits, tracePath, traceIterations, progress, expertQuant,
                    offload, kvDtype, residual);
        }
    }
}
