package io.moesim.cli;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.ProcessorSpec;
import io.moesim.sim.kernel.FrameworkCost;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.hw.Targets;
import io.moesim.ir.op.Quantize;
import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.AllGather;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.AllToAll;
import io.moesim.ir.op.Collective;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.kernel.OpEstimate;
import io.moesim.sim.kernel.OpRequest;
import io.moesim.sim.kernel.OpRequests;
import io.moesim.sim.system.CollectiveAlgorithm;
import io.moesim.sim.system.CollectiveCost;
import io.moesim.sim.system.CollectiveModel;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim op}: one op simulated at the kernel level (or one collective at the system level). */
@Command(name = "op", mixinStandardHelpOptions = true,
        description = {"Simulate one op on one processor (kernel level, cycle-level DRAM and engines), or one collective on a system.",
            "KIND: matmul (m n k dtype), grouped-matmul (groups m_per_group n k dtype, or tokens=list), expert-ffn,",
            "attention (batch heads kv_heads head_dim q_len kv_len causal dtype; kv_dtype: a KV cache in another dtype),",
            "mla-decode, memcpy (bytes),",
            "all-reduce | all-gather | all-to-all (bytes devices, with --system). processor=NAME picks a processor.",
            "Sizes: bytes=256MiB or 256M (2^20, as nccl-tests), 256MB (10^6); likewise KiB/K/KB and GiB/G/GB.",
            "Example: moesim op matmul m=8192 n=8192 k=8192 dtype=bf16 --target h100 --json"})
final class OpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "The op kind (see above).")
    String kind;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "The op's attributes.")
    List<String> keyValues = new ArrayList<>();

    @Option(names = "--target", paramLabel = "ID|FILE.yaml", description = "The device (default: the --system's device).")
    String target;

    @Option(names = "--system", paramLabel = "ID", description = "A system, for collectives (or to take its device).")
    String system;

    @Option(names = "--algorithm", defaultValue = "auto", paramLabel = "A",
            description = "Collective algorithm: auto, ring, tree or direct. Default: ${DEFAULT-VALUE}.")
    String algorithm;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE", description = "Override one spec figure (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--framework", paramLabel = "ID|FILE.yaml",
            description = "Framework profile for framework_latency_us (collectives too: its own all-reduce, its collective library): trtllm, vllm, sglang, ideal or a file. Default: trtllm on real GPUs, ideal elsewhere.")
    String framework;

    @Option(names = "--load", defaultValue = "burst", paramLabel = "L",
            description = {"The load a compute op runs under: burst (the clock the framework's per-op figures hold for, as the kernel database",
                "timed each op) or sustained (framework_latency_us at the target's serving clock, serving_clock_MHz: its serving_clock_fraction,",
                "fitted on serving rows as a compute-rate ratio, where it gives one and the profile's per-op figures were measured; that a long",
                "GEMM loop settles there too is a hypothesis the published sustained GEMM rows support within 4-9%%). latency_us, copies and",
                "collectives are not clocked by it. Default: ${DEFAULT-VALUE}."})
    String load;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() {
        boolean sustained = sustained(); // read first: a bad --load is a usage error whatever the op
        OpRequest req = OpRequests.parse(kind, keyValues);
        Map<String, Object> result;
        if (req instanceof OpRequest.Collective c) {
            if (system == null) {
                throw new MoesimException("op " + kind + ": a collective needs --system (e.g. --system h100x8)");
            }
            result = collective(c, Systems.load(system, sets));
        } else {
            DeviceSpec d = target != null ? Targets.load(target, sets)
                    : system != null ? Systems.load(system, sets).device()
                    : null;
            if (d == null) {
                throw new MoesimException("op " + kind + ": give --target (e.g. --target h100) or --system");
            }
            KernelSimulator sim = new KernelSimulator();
            OpEstimate e = sim.estimate(req, d);
            result = e.toMap();
            FrameworkProfile fp = FrameworkProfiles.load(framework != null ? framework : FrameworkProfiles.defaultId(d));
            result.put("framework", fp.id());
            if (req instanceof OpRequest.Compute c) {
                ProcessorSpec named = c.processor().map(n -> d.processor(n).orElseThrow()).orElse(d.primary());
                // under sustained load the processor runs at its serving clock, by the rule a serving run uses
                boolean loaded = sustained && KernelCostModel.servingLoadApplies(named, fp);
                DeviceSpec dev = loaded ? d.underServingLoad() : d;
                ProcessorSpec p = loaded ? dev.processor(named.name()).orElseThrow() : named;
                result.put("load", loaded ? "sustained" : "burst");
                if (loaded) {
                    // the clock as serving runs name it (simulate's config.serving_clock_MHz)
                    result.put("serving_clock_MHz", named.servingLoadClockMHz().getAsDouble());
                }
                double s = FrameworkCost.seconds(fp, sim, c.op(), c.inputs(), dev, p);
                // an fp8 GEMM of a stack that quantises its activation: the Quantize op lowering puts before it, counted here too
                java.util.Optional<Quantize> q = Quantize.activation(c.op(), c.inputs(), fp.gemmQuantizesActivation(), p.kind().isPim());
                if (q.isPresent()) {
                    double qs = FrameworkCost.seconds(fp, sim, q.get(), c.inputs(), dev, p);
                    result.put("framework_quantize_us", qs * 1e6);
                    s += qs;
                }
                result.put("framework_latency_us", p.kernel().backToBackSeconds(s) * 1e6);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(Json.write(result));
        } else {
            for (Map.Entry<String, Object> e : result.entrySet()) {
                out.printf(Locale.ROOT, "%-16s %s%n", e.getKey(), format(e.getValue()));
            }
        }
        return 0;
    }

    /** Whether --load asks for a sustained load ('burst' or 'sustained'; anything else is a usage error). */
    private boolean sustained() {
        return switch (load.toLowerCase(Locale.ROOT)) {
            case "burst" -> false;
            case "sustained" -> true;
            default -> throw new MoesimException("op: --load must be burst or sustained, got '" + load + "'");
        };
    }

    private static String format(Object v) {
        if (v instanceof Double d) {
            return ModelCommands.fmt(d);
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(format(e.getValue()));
            }
            return sb.toString();
        }
        return String.valueOf(v);
    }

    private Map<String, Object> collective(OpRequest.Collective c, SystemSpec sys) {
        if (c.devices() > sys.devices()) {
            throw new MoesimException("op " + kind + ": devices=" + c.devices() + " but " + sys.id() + " has " + sys.devices());
        }
        CollectiveAlgorithm alg = CompileFlags.parse(CollectiveAlgorithm.class, algorithm, "--algorithm");
        Collective op = switch (c.kind()) {
            case "all-reduce" -> new AllReduce(c.devices());
            case "all-gather" -> new AllGather(c.devices(), 0);
            default -> new AllToAll(c.devices());
        };
        // the operand: for all-gather, bytes is each device's shard; otherwise the whole tensor
        List<TensorType> in = List.of(TensorType.of(DType.INT8, c.bytes()));
        double linkBytes = op.linkBytesPerDevice(in);
        int[] members = new int[c.devices()];
        for (int i = 0; i < members.length; i++) {
            members[i] = i;
        }
        CollectiveCost cost = new CollectiveModel(sys, alg).cost(op, linkBytes, c.bytes(), members);
        double us = cost.durationPs() / 1e6;
        // lower bound: every byte a device sends leaves through all of its links at once
        double bound = linkBytes / (sys.intraNodeLink().bandwidthPerDeviceGBps() * 1e9) * 1e6;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", c.kind());
        m.put("latency_us", us);
        m.put("flops", 0L);
        m.put("bytes", c.bytes());
        m.put("op_per_byte", 0.0);
        m.put("achieved_tflops", 0.0);
        // bus bandwidth: what one device sends per second (NCCL's busbw for ring algorithms)
        m.put("achieved_GBps", us == 0 ? 0.0 : linkBytes / (us * 1e-6) / 1e9);
        m.put("roofline_us", bound);
        m.put("bound", "link");
        m.put("processor", "link:" + sys.intraNodeLink().id());
        m.put("algorithm", cost.algorithm());
        m.put("devices", c.devices());
        m.put("link_bytes_per_device", linkBytes);
        // as the serving framework runs it: its own all-reduce, else its collective library (NCCL's protocols), else the link model
        FrameworkProfile fp = FrameworkProfiles.load(framework != null ? framework : FrameworkProfiles.defaultId(sys.device()));
        CollectiveCost fc = new CollectiveModel(sys, alg, fp.customAllReduce(), fp.collectives()).cost(op, linkBytes, c.bytes(), members);
        m.put("framework", fp.id());
        m.put("framework_latency_us", fc.durationPs() / 1e6);
        m.put("framework_algorithm", fc.algorithm());
        return m;
    }
}
