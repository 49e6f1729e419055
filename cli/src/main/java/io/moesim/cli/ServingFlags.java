package io.moesim.cli;

import io.moesim.hw.SystemSpec;
import io.moesim.ir.MoesimException;
import io.moesim.sim.Parsed;
import io.moesim.sim.RunSpec;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.serving.IterationModel;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The serving workload options shared by simulate, compare and sweep. */
final class ServingFlags {
    @Option(names = "--model", required = true, paramLabel = "NAME|PATH", description = "A zoo model or a Hugging Face config.json.")
    String model;

    @Option(names = "--batch", paramLabel = "B", description = "Closed loop: B requests in flight (also the max batch). Default: " + RunSpec.DEFAULT_BATCH + " unless --qps is given.")
    Integer batch;

    @Option(names = "--qps", paramLabel = "R", description = "Open loop: Poisson arrivals at R requests/s (seeded).")
    Double qps;

    @Option(names = "--arrivals", paramLabel = "FILE", description = "Replay arrival times (and lengths) from a trace file.")
    Path arrivals;

    /** Whether the arrivals of a serving run were given (--qps, --offline or --arrivals), not only a closed batch. */
    boolean arrivalsGiven() {
        return qps != null || offline || arrivals != null;
    }

    @Option(names = "--offline", description = {"Offline, as trtllm-bench throughput and vLLM's offline benchmark run: all --requests queued at t=0;",
        "each iteration is bounded by --max-batch, --max-num-tokens and the KV capacity."})
    boolean offline;

    @Option(names = "--max-num-tokens", paramLabel = "N",
            description = "Token budget per iteration (decodes count one each, the rest goes to prefill chunks), an engine's max_num_tokens. Default: "
                    + "on a real GPU the framework profile's max_num_tokens where it has one, else " + RunSpec.DEFAULT_TOKEN_BUDGET + ".")
    Long maxNumTokens;

    @Option(names = "--kv-fraction", paramLabel = "F",
            description = {"KV cache = F x (device memory - weights - activations) of the fullest device, as TensorRT-LLM's kv_cache_free_gpu_mem_fraction (0 < F <= 1);",
                "device memory is what its driver reports (the target's memory.driver_total_MiB, e.g. 81,559 MiB on an H100), else capacity_GB.",
                "Default: " + io.moesim.sim.Simulator.MEMORY_UTILIZATION + " of all memory less the weights (vLLM's gpu_memory_utilization)."})
    Double kvFraction;

    @Option(names = "--chunked-prefill", arity = "1", paramLabel = "BOOL",
            description = {"Whether the engine splits a prompt over iterations to fill its token budget (true or false), as TensorRT-LLM's",
                "enable_chunked_context. Default: the framework profile's serving.chunked_prefill."})
    Boolean chunkedPrefill;

    @Option(names = "--poisson-gaps", paramLabel = "GEN",
            description = {"With --qps: which generator draws the arrival gaps, seeded by --seed: moesim (its own) or numpy (numpy's legacy",
                "np.random after np.random.seed(SEED), the first request at t = 0, as vLLM's benchmark_serving.py draws them (2024-25, before",
                "its gaps were rescaled; default seed 0) and SGLang's bench_serving.py (default seed 1), when nothing else drew from numpy",
                "first), so that a run has such a benchmark's arrival times. Default: moesim."})
    String poissonGaps;

    @Option(names = "--requests", defaultValue = "" + RunSpec.DEFAULT_REQUESTS, paramLabel = "N", description = "Requests to serve. Default: ${DEFAULT-VALUE}.")
    int requests;

    @Option(names = {"--in", "--input-len"}, defaultValue = "" + RunSpec.DEFAULT_IN, paramLabel = "L_in", description = "Nominal prompt length. Default: ${DEFAULT-VALUE}.")
    int in;

    @Option(names = {"--out", "--output-len"}, defaultValue = "" + RunSpec.DEFAULT_OUT, paramLabel = "L_out", description = "Nominal output length. Also --output-len (not -o/--output, a file or folder; nor sweep's --out, a folder). Default: ${DEFAULT-VALUE}.")
    int out;

    @Option(names = "--lengths", defaultValue = RunSpec.DEFAULT_LENGTHS, paramLabel = "SPEC",
            description = {"fixed, gaussian:SIGMA (SIGMA a fraction of the nominal, seeded), lognormal:SPREAD (mean the nominal, sd SPREAD x nominal, seeded), or [file:]FILE of 'L_in L_out' lines (used in order)",
                "or of 'L_in L_out WEIGHT' lines (a histogram, drawn seeded by weight). Default: ${DEFAULT-VALUE}."})
    String lengths;

    @Option(names = "--max-batch", defaultValue = "" + RunSpec.DEFAULT_MAX_BATCH, paramLabel = "N", description = "Max sequences per iteration (open loop and --offline), an engine's max_batch_size. Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--routing", defaultValue = RunSpec.DEFAULT_ROUTING, paramLabel = "R", description = "uniform, zipf:S or trace:FILE. Default: ${DEFAULT-VALUE}.")
    String routing;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "Serving precision. Default: the model's.")
    String dtype;

    @Option(names = "--expert-dtype", paramLabel = "FMT", description = ExpertFormatFlags.DTYPE_HELP)
    String expertDtype;

    @Option(names = "--expert-bits", paramLabel = "B", description = ExpertFormatFlags.BITS_HELP)
    Double expertBits;

    @Option(names = "--expert-formats", paramLabel = "FILE", description = ExpertFormatFlags.FILE_HELP)
    Path expertFormats;

    @Option(names = "--kv-dtype", paramLabel = "DTYPE", description = "KV-cache dtype (fp8e4m3, int8, int4, ...): its bytes and capacity. Default: the serving dtype.")
    String kvDtype;

    @Option(names = "--residual", defaultValue = "standard", paramLabel = "FORM", description = GraphOptions.RESIDUAL_HELP)
    String residual;

    @Option(names = "--hbm-budget", paramLabel = "SIZE",
            description = {"HBM per device for weights, KV cache and an expert cache (e.g. 24GB, 40GiB); routed experts that do not fit live in",
                "the --offload tier and are fetched when activated. Prints an upper bound on throughput beside the simulated one."})
    String hbmBudget;

    @Option(names = "--offload", paramLabel = "TIER",
            description = "Where offloaded experts live: host (PCIe 5.0), c2c (NVLink-C2C), cxl, nvme, or a tier YAML file. Default with --hbm-budget: host.")
    String offload;

    @Option(names = "--offload-policy", defaultValue = "ondemand", paramLabel = "P",
            description = "Expert cache in HBM: ondemand (static hot set), lru, lfu, prefetch (next layer's likely experts during this layer), "
                    + "pregated (Read-ME: the router runs ahead, so the next layer's actual experts), cpu (Fiddler/MoE-Lens: a cold expert runs on "
                    + "the host CPU where that beats fetching it; tier host). Default: ${DEFAULT-VALUE}.")
    String offloadPolicy;

    @Option(names = "--collectives", defaultValue = RunSpec.DEFAULT_COLLECTIVES, paramLabel = "A", description = "Collective algorithm: auto, ring, tree, direct. Default: ${DEFAULT-VALUE}.")
    String collectives;

    @Option(names = "--iteration-model", defaultValue = RunSpec.DEFAULT_ITERATION_MODEL, paramLabel = "M",
            description = "exact: compile and simulate every new batch signature event by event; fast: interpolate each iteration "
                    + "between exactly simulated grid shapes (throughput and TBT p50/p90 within 1%% of exact on the tested runs). "
                    + "Default: ${DEFAULT-VALUE}.")
    String iterationModel;

    @Option(names = "--seed", defaultValue = "" + RunSpec.DEFAULT_SEED, paramLabel = "N", description = "Seed of arrivals, lengths and routing. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE", description = "Override one spec figure of the device (repeatable).")
    List<String> sets = new ArrayList<>();

    /** The model with the expert formats and KV dtype these flags give. */
    io.moesim.ir.model.ModelConfig modelConfig() {
        io.moesim.ir.model.ModelConfig m = io.moesim.ir.model.ModelZoo.resolve(model);
        io.moesim.ir.model.ExpertQuant q = ExpertFormatFlags.parse(expertDtype, expertBits, expertFormats);
        m = q == null ? m : m.withExpertQuant(q);
        m = m.withResidual(io.moesim.ir.model.Residual.parse(residual));
        return kvDtype == null ? m : m.withKvDtype(Parsed.dtype(kvDtype, "--kv-dtype"));
    }

    /** Whether experts are offloaded (a budget or a tier given). */
    boolean offloading() {
        return hbmBudget != null || offload != null;
    }

    /** A request for one system; compile options depend on the system (its device count). */
    SimulationRequest.Builder request(String system, SystemSpec spec, CompileFlags flags) {
        SimulationRequest.Builder b = runSpec(system, flags).request(spec, flags.costModel()).toBuilder();
        // compressed experts, KV dtype and offloading are simulate's own (a sweep point does not take them yet)
        b.expertQuant(ExpertFormatFlags.parse(expertDtype, expertBits, expertFormats));
        b.offload(OffloadFlags.parse(hbmBudget, offload, offloadPolicy, spec));
        if (kvDtype != null) {
            b.kvDtype(Parsed.dtype(kvDtype, "--kv-dtype"));
        }
        b.residual(io.moesim.ir.model.Residual.parse(residual));
        return b;
    }

    /** The run these flags (and the compile flags) state on {@code system}; errors name the flag. */
    RunSpec runSpec(String system, CompileFlags flags) {
        RunSpec.Builder b = RunSpec.builder(model, system).sets(sets);
        if (offline) {
            if (arrivals != null || qps != null || batch != null) {
                throw new MoesimException("--offline queues every request at t=0: give it without --batch, --qps or --arrivals (bound the batch with --max-batch)");
            }
            b.offline();
        } else if (arrivals != null) {
            b.arrivals(arrivals);
        } else if (qps != null) {
            if (batch != null) {
                throw new MoesimException("give either --batch (closed loop) or --qps (open loop), not both");
            }
            if (!(qps > 0) || qps.isInfinite()) {
                throw new MoesimException("--qps must be a finite number > 0, got " + qps);
            }
            b.qps(qps);
        } else if (batch != null) {
            if (batch <= 0) {
                throw new MoesimException("--batch must be > 0, got " + batch);
            }
            b.batch(batch);
        }
        if (requests <= 0 || in <= 0 || out <= 0 || maxBatch <= 0) {
            throw new MoesimException("--requests, --in, --out and --max-batch must be > 0");
        }
        if (maxNumTokens != null) {
            if (maxNumTokens <= 0) {
                throw new MoesimException("--max-num-tokens must be > 0, got " + maxNumTokens);
            }
            b.tokenBudget(maxNumTokens);
        }
        if (kvFraction != null) {
            if (!(kvFraction > 0 && kvFraction <= 1)) {
                throw new MoesimException("--kv-fraction must be in (0, 1], got " + kvFraction);
            }
            b.kvFraction(kvFraction);
        }
        b.chunkedPrefill(chunkedPrefill);
        if (poissonGaps != null) {
            if (qps == null) {
                throw new MoesimException("--poisson-gaps: draws the gaps of a Poisson run; give it with --qps");
            }
            b.poissonGaps(io.moesim.sim.serving.ArrivalSpec.PoissonGaps.parse(poissonGaps, "--poisson-gaps"));
        }
        if (dtype != null) {
            b.dtype(Parsed.dtype(dtype, "--dtype"));
        }
        b.collectives(CompileFlags.parse(CollectiveAlgorithm.class, collectives, "--collectives"))
                .iterationModel(CompileFlags.parse(IterationModel.Kind.class, iterationModel, "--iteration-model"))
                .routing(Parsed.routing(routing, "--routing")).lengths(Parsed.lengths(lengths, "--lengths"));
        return flags.into(b.requests(requests).lengths(in, out).maxBatch(maxBatch).seed(seed)).build();
    }
}
