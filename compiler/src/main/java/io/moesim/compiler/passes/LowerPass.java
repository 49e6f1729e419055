package io.moesim.compiler.passes;

import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompilerException;
import io.moesim.compiler.StagedPass;
import io.moesim.compiler.PassContext;
import io.moesim.compiler.Program;
import io.moesim.compiler.Stage;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.Collective;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Quantize;
import io.moesim.ir.op.Repeat;
import io.moesim.ir.op.Send;
import io.moesim.ir.op.Traffic;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.ints.IntImmutableList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lowers the per-device program to a {@link HardwarePlan}: repeat blocks unrolled into layers
 * (layer index set), layers spread over pipeline stages (a send where a stage hands over), every
 * node emitted once per device of its stage on its processor and stream, with dependencies from
 * the data flow (and, with overlap none, from program order). Fused pairs become one task. Each
 * MoE block is lowered by {@link MoeLowering}: specialised per device from the expert assignment (its
 * own experts and tokens, its exact all-to-all bytes) and, with overlap tile or fused, cut into tiles by
 * expert group. Collective tasks carry the same name on every member of their group, which the
 * simulator matches.
 *
 * <p>What a node lowers to, apart from its dependencies and layer index, is the same on every
 * device and in every layer, and a MoE block's per-device tasks are the same in every layer that
 * routes and places alike; both are derived once and reused, so lowering costs little more than
 * emitting the tasks (DeepSeek-V3 over 8 devices once computed about 4,200 token shards of 256 experts
 * per compile, where 8 are distinct).
 */
public final class LowerPass extends StagedPass {
    public static final String NAME = "lower";

    public LowerPass() {
        super(NAME, Set.of(Stage.FUSED, Stage.EXPERTS_PLACED, Stage.PROCESSORS_PLACED, Stage.MEMORY_PLANNED, Stage.SCHEDULED), Set.of(Stage.LOWERED));
    }
    public static final String LINK = "link";




    @Override
    public Program run(Program in, PassContext ctx) {
        HardwarePlan plan = new Lowerer(in, ctx).lower();
        ctx.note("plan: " + plan.tasks().size() + " tasks on " + plan.devices() + " device(s)");
        return in.with(HardwarePlan.class, plan);
    }

    private static final class Lowerer implements MoeLowering.Tasks {
        final Program prog;
        final PassContext ctx;
        final SystemSpec sys;
        final ParallelLayout layout;
        final ProcessorAssignment procs;
        final Fusions fusions;
        final Schedule schedule;
        final MemoryPlan memory;
        final String primary;
        final Map<String, Node> nodeAt = new HashMap<>();
        final Map<String, NodeInfo> infos = new HashMap<>();
        /** MoE blocks are lowered apart (per device, per overlap mode); they emit into this lowerer's task list. */
        final MoeLowering moe;
        final List<Task> tasks = new ArrayList<>();
        final int[] lastOn;
        final List<Map<String, int[]>> env = new ArrayList<>();
        final List<Map<String, Pending>> pending = new ArrayList<>();
        final int ds;
        final long totalLayers;

        /** A norm fused into the next GEMM: what it adds to that task. */
        record Pending(int[] deps, long flops, Traffic traffic, long outputBytes) {
        }

        Lowerer(Program prog, PassContext ctx) {
            this.prog = prog;
            this.ctx = ctx;
            this.sys = prog.system();
            this.layout = prog.require(ParallelLayout.class, NAME);
            this.procs = prog.require(ProcessorAssignment.class, NAME);
            this.fusions = prog.fact(Fusions.class).orElse(Fusions.NONE);
            this.schedule = prog.require(Schedule.class, NAME);
            this.memory = prog.require(MemoryPlan.class, NAME);
            this.primary = sys.device().primary().name();
            for (GraphWalk.Site s : GraphWalk.sites(prog.graph())) {
                nodeAt.put(s.path(), s.node());
            }
            int devices = layout.devices();
            this.lastOn = new int[devices];
            Arrays.fill(lastOn, -1);
            for (int d = 0; d < devices; d++) {
                env.add(new HashMap<>());
                pending.add(new HashMap<>());
            }
            this.ds = layout.stageDevices();
            long l = 0;
            for (Node n : prog.graph().nodes()) {
                if (n.op() instanceof Repeat r) {
                    l += r.count();
                }
            }
            this.totalLayers = l;
            this.moe = new MoeLowering(layout, prog.require(ExpertAssignment.class, NAME), procs, schedule, primary, nodeAt, this);
        }

        HardwarePlan lower() {
            Graph g = prog.graph();
            for (int d = 0; d < layout.devices(); d++) {
                for (Value v : g.inputs()) {
                    env.get(d).put(v.name(), new int[0]);
                }
            }
            long layer = 0;
            int curStage = 0;
            boolean afterLayers = false;
            List<Node> top = g.nodes();
            for (int i = 0; i < top.size(); i++) {
                Node n = top.get(i);
                String path = Integer.toString(i);
                if (n.op() instanceof Repeat r) {
                    Block body = n.body();
                    String[] paths = new String[body.nodes().size()];
                    for (int j = 0; j < paths.length; j++) {
                        paths[j] = path + "/" + j;
                    }
                    for (long c = 0; c < r.count(); c++) {
                        int stage = (int) (layer * layout.pp() / Math.max(1, totalLayers));
                        for (int k = 0; k < body.params().size(); k++) {
                            Value src = c == 0 ? n.operands().get(k) : body.yields().get(k);
                            bind(body.params().get(k), src, curStage, stage, (int) layer);
                        }
                        curStage = stage;
                        for (int j = 0; j < body.nodes().size(); j++) {
                            Node b = body.nodes().get(j);
                            if (b.hasBody()) {
                                throw new CompilerException(NAME, "nested repeat blocks are not supported (node " + paths[j] + ")");
                            }
                            node(b, paths[j], (int) layer, stage);
                        }
                        layer++;
                    }
                    for (int d : stageDevices(curStage)) {
                        for (int k = 0; k < n.results().size(); k++) {
                            env.get(d).put(n.results().get(k).name(), env.get(d).get(body.yields().get(k).name()));
                        }
                    }
                    afterLayers = true;
                } else {
                    node(n, path, -1, afterLayers ? curStage : 0);
                }
            }
            return new HardwarePlan(sys.id(), g.name(), layout.devices(), ctx.options().describe(), tasks, memory.devices());
        }

        int[] stageDevices(int stage) {
            int[] d = new int[ds];
            for (int i = 0; i < ds; i++) {
                d[i] = stage * ds + i;
            }
            return d;
        }

        /** A layer's input: local, or sent over from the previous stage's device of the same rank. */
        void bind(Value param, Value src, int fromStage, int toStage, int layer) {
            for (int d : stageDevices(toStage)) {
                int from = d - (toStage - fromStage) * ds;
                int[] deps = env.get(from).get(src.name());
                if (deps == null) {
                    throw new CompilerException(NAME, "value %" + src.name() + " is not available on device " + from);
                }
                if (from == d) {
                    env.get(d).put(param.name(), deps);
                    continue;
                }
                TensorType t = src.type();
                int id = emit(from, "L" + layer + ".send." + param.name(), new Send(d), List.of(t), LINK, Schedule.COMM_STREAM, deps, 0,
                        new Send(d).traffic(List.of(t)), linkBetween(from, d), t.bytes(), IntImmutableList.of(from, d), layer, Sections.ATTENTION);
                env.get(d).put(param.name(), new int[] {id});
            }
        }

        @Override
        public String linkBetween(int a, int b) {
            boolean sameNode = a / sys.devicesPerNode() == b / sys.devicesPerNode();
            return sameNode ? sys.intraNodeLink().id() : sys.interNodeLink().map(l -> l.id()).orElse(sys.intraNodeLink().id());
        }

        @Override
        public String linkOf(IntImmutableList group) {
            int node = group.getInt(0) / sys.devicesPerNode();
            for (int i = 1; i < group.size(); i++) {
                if (group.getInt(i) / sys.devicesPerNode() != node) {
                    return linkBetween(group.getInt(0), group.getInt(i));
                }
            }
            return sys.intraNodeLink().id();
        }

        static String taskName(int layer, String base) {
            return layer >= 0 ? "L" + layer + "." + base : base;
        }

        @Override
        public int emit(int d, String name, Op op, List<TensorType> inputs, String processor, int stream, int[] deps, long flops, Traffic traffic,
                String link, double linkBytes, IntImmutableList group, int layer, String layerType) {
            IntArrayList dl = new IntArrayList(deps);
            if (schedule.overlap() == Overlap.NONE && lastOn[d] >= 0) {
                dl.add(lastOn[d]);
            }
            int[] sorted = dl.toIntArray();
            Arrays.sort(sorted);
            IntArrayList uniq = new IntArrayList();
            for (int x : sorted) {
                if (uniq.isEmpty() || uniq.getInt(uniq.size() - 1) != x) {
                    uniq.add(x);
                }
            }
            int id = tasks.size();
            tasks.add(new Task(id, name, op, inputs, d, processor, stream, new IntImmutableList(uniq), flops, traffic, link, linkBytes,
                    group == null ? IntImmutableList.of() : group, layer, layerType));
            lastOn[d] = id;
            return id;
        }

        @Override
        public int[] depsOf(int d, List<Value> operands) {
            IntArrayList out = new IntArrayList();
            for (Value v : operands) {
                int[] t = env.get(d).get(v.name());
                if (t == null) {
                    throw new CompilerException(NAME, "value %" + v.name() + " is used on device " + d + " before it is produced there");
                }
                out.addAll(IntArrayList.wrap(t));
            }
            return out.toIntArray();
        }

        /** What a node lowers to apart from its dependencies: the same on every device and in every layer, so derived once per path. */
        record NodeInfo(String section, MoeBlock block, Fusion absorbed, List<TensorType> inputs, String base, long flops, Traffic traffic,
                long outputBytes, DeviceGroup group, double linkBytes, Node epilogue, List<Value> epilogueOthers, long epilogueFlops,
                long epilogueOtherBytes, String processor, int stream) {
        }

        NodeInfo info(Node n, String path) {
            NodeInfo i = infos.get(path);
            if (i == null) {
                i = describe(n, path);
                infos.put(path, i);
            }
            return i;
        }

        NodeInfo describe(Node n, String path) {
            String section = layout.section(path);
            MoeBlock block = layout.moeBlockOf(path);
            if (block != null) {
                return new NodeInfo(section, block, null, List.of(), null, 0, Traffic.ZERO, 0, null, 0, null, List.of(), 0, 0, null, 0);
            }
            Fusion absorbed = fusions.absorbing(path);
            Op op = n.op();
            List<TensorType> inputs = List.copyOf(GraphWalk.types(n.operands()));
            String base = n.results().isEmpty() ? op.mnemonic() + "@" + path : n.results().get(0).name();
            if (absorbed != null) {
                if (absorbed.kind() == Fusion.Kind.EPILOGUE) {
                    return new NodeInfo(section, null, absorbed, inputs, base, 0, Traffic.ZERO, 0, null, 0, null, List.of(), 0, 0, null, 0);
                }
                return new NodeInfo(section, null, absorbed, inputs, base, op.flops(inputs), op.traffic(inputs), n.result().type().bytes(), null, 0,
                        null, List.of(), 0, 0, null, 0);
            }
            if (op instanceof Collective c) {
                DeviceGroup g = layout.groups().getOrDefault(path, new DeviceGroup(1, c.group()));
                return new NodeInfo(section, null, null, inputs, base, 0, c.traffic(inputs), 0, g, c.linkBytesPerDevice(inputs), null, List.of(), 0,
                        0, null, 0);
            }
            Node epi = null;
            for (Fusion f : fusions.survivingAt(path)) {
                if (f.kind() == Fusion.Kind.EPILOGUE) {
                    epi = nodeAt.get(f.consumer());
                }
            }
            List<Value> others = new ArrayList<>();
            long epiFlops = 0;
            long other = 0;
            if (epi != null) {
                epiFlops = epi.op().flops(GraphWalk.types(epi.operands()));
                for (Value v : epi.operands()) {
                    if (!v.equals(n.result())) {
                        other += v.type().bytes();
                        others.add(v);
                    }
                }
                base = base + "+" + epi.op().mnemonic();
            }
            int stream = 0;
            // a MoE layer's shared experts (a dense FFN in its section) run beside its routed ones (whose tasks MoeLowering emits)
            if (schedule.overlap() != Overlap.NONE && op instanceof ExpertFfn f && f.dense() && Sections.MOE.equals(section)) {
                stream = Schedule.SIDE_STREAM;
            }
            return new NodeInfo(section, null, null, inputs, base, op.flops(inputs), op.traffic(inputs), 0, null, 0, epi, List.copyOf(others),
                    epiFlops, other, procs.of(path, primary), stream);
        }

        void node(Node n, String path, int layer, int stage) {
            NodeInfo in = info(n, path);
            MoeBlock block = in.block();
            if (block != null) {
                // the whole block (dispatch to combine) is lowered at its dispatch; its other nodes emit nothing
                if (path.equals(block.dispatch())) {
                    moe.lower(block, stageDevices(stage), layer);
                }
                return;
            }
            Fusion absorbed = in.absorbed();
            for (int d : stageDevices(stage)) {
                if (absorbed != null && absorbed.kind() == Fusion.Kind.EPILOGUE) {
                    continue;
                }
                if (absorbed != null) {
                    pending.get(d).put(n.result().name(), new Pending(depsOf(d, n.operands()), in.flops(), in.traffic(), in.outputBytes()));
                    env.get(d).put(n.result().name(), depsOf(d, n.operands()));
                    continue;
                }
                if (n.op() instanceof Collective c) {
                    IntImmutableList members = in.group().members(d, ds);
                    int id = emit(d, taskName(layer, in.base()), c, in.inputs(), LINK, Schedule.COMM_STREAM, depsOf(d, n.operands()), 0, in.traffic(),
                            linkOf(members), in.linkBytes(), members, layer, in.section());
                    bindResults(d, n, id);
                    continue;
                }
                compute(d, n, in, layer);
            }
        }

        @Override
        public void bindResults(int d, Node n, int... ids) {
            for (Value r : n.results()) {
                env.get(d).put(r.name(), ids);
            }
        }

        /**
         * The quantise op an fp8 GEMM needs first ({@link Quantize#before}), or null: on a processor that is not PIM, of a device
         * whose serving stack runs a separate quantise kernel ({@link io.moesim.compiler.cost.CostModel#quantizesFp8Activations}).
         */
        Quantize activationQuantize(Op op, NodeInfo in) {
            return Quantize.activation(op, in.inputs(), ctx.costModel().quantizesFp8Activations(sys.device()),
                    sys.device().processor(in.processor()).map(p -> p.kind().isPim()).orElse(false)).orElse(null);
        }

        void compute(int d, Node n, NodeInfo in, int layer) {
            long flops = in.flops();
            Traffic t = in.traffic();
            IntArrayList deps = new IntArrayList(depsOf(d, n.operands()));
            for (Value v : n.operands()) {
                Pending p = pending.get(d).remove(v.name());
                if (p != null) {
                    // the norm's output stays on chip: read its input instead of its output
                    flops += p.flops();
                    t = new Traffic(t.weightBytes() + p.traffic().weightBytes(),
                            Math.max(0, t.activationReadBytes() - p.outputBytes()) + p.traffic().activationReadBytes(), t.activationWriteBytes(),
                            t.kvReadBytes(), t.kvWriteBytes());
                    deps.addAll(IntArrayList.wrap(p.deps()));
                }
            }
            Node epi = in.epilogue();
            if (epi != null) {
                flops += in.epilogueFlops();
                for (Value v : in.epilogueOthers()) {
                    deps.addAll(IntArrayList.wrap(env.get(d).get(v.name())));
                }
                t = new Traffic(t.weightBytes(), t.activationReadBytes() + in.epilogueOtherBytes(), t.activationWriteBytes(), t.kvReadBytes(),
                        t.kvWriteBytes());
            }
            Quantize q = activationQuantize(n.op(), in);
            if (q != null) {
                // the stack's activation quantise kernel before the fp8 GEMM: its own task, which the GEMM waits for
                int qid = emit(d, taskName(layer, in.base() + ".quantize"), q, in.inputs(), in.processor(), in.stream(), deps.toIntArray(),
                        q.flops(in.inputs()), q.traffic(in.inputs()), null, 0, null, layer, in.section());
                deps.add(qid);
            }
            int id = emit(d, taskName(layer, in.base()), n.op(), in.inputs(), in.processor(), in.stream(), deps.toIntArray(), flops, t, null, 0, null,
                    layer, in.section());
            bindResults(d, n, id);
            if (epi != null) {
                bindResults(d, epi, id);
            }
        }

    }
}
