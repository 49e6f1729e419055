package io.moesim.compiler.passes;

import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompilerException;
import io.moesim.compiler.StagedPass;
import io.moesim.compiler.PassContext;
import io.moesim.compiler.Program;
import io.moesim.compiler.Stage;
import io.moesim.compiler.placement.ExpertCoprocessor;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.AllToAll;
import io.moesim.ir.op.Collective;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Repeat;
import io.moesim.ir.op.Send;
import io.moesim.ir.op.Traffic;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.ints.IntImmutableList;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
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
 * MoE block is specialised per device from the expert assignment (its own experts and tokens, its
 * exact all-to-all bytes) and, with overlap tile, cut into tiles by expert group. Collective tasks
 * carry the same name on every member of their group, which the simulator matches.
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

    private static final class Lowerer {
        final Program prog;
        final PassContext ctx;
        final SystemSpec sys;
        final ParallelLayout layout;
        final ExpertAssignment experts;
        final ProcessorAssignment procs;
        final Fusions fusions;
        final Schedule schedule;
        final MemoryPlan memory;
        final String primary;
        final Map<String, Node> nodeAt = new HashMap<>();
        final Map<String, NodeInfo> infos = new HashMap<>();
        final Map<Routing, MoeDevice[]> moeMemo = new HashMap<>();
        /** Token shards of each routing, each computed once and shared by the devices that read it. */
        final Map<Routing, long[][]> shardMemo = new HashMap<>();
        final List<Task> tasks = new ArrayList<>();
        final int[] lastOn;
        final List<Map<String, int[]>> env = new ArrayList<>();
        final List<Map<String, Pending>> pending = new ArrayList<>();
        final int ds;
        final long totalLayers;
        int moeLayer;

        /** A norm fused into the next GEMM: what it adds to that task. */
        record Pending(int[] deps, long flops, Traffic traffic, long outputBytes) {
        }

        Lowerer(Program prog, PassContext ctx) {
            this.prog = prog;
            this.ctx = ctx;
            this.sys = prog.system();
            this.layout = prog.require(ParallelLayout.class, NAME);
            this.experts = prog.require(ExpertAssignment.class, NAME);
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

        String linkBetween(int a, int b) {
            boolean sameNode = a / sys.devicesPerNode() == b / sys.devicesPerNode();
            return sameNode ? sys.intraNodeLink().id() : sys.interNodeLink().map(l -> l.id()).orElse(sys.intraNodeLink().id());
        }

        String linkOf(IntImmutableList group) {
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

        int emit(int d, String name, Op op, List<TensorType> inputs, String processor, int stream, int[] deps, long flops, Traffic traffic,
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

        int[] depsOf(int d, List<Value> operands) {
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
            if (schedule.overlap() != Overlap.NONE && op instanceof ExpertFfn f && f.experts() == 1 && Sections.MOE.equals(section)) {
                stream = Schedule.SIDE_STREAM;
            }
            return new NodeInfo(section, null, null, inputs, base, op.flops(inputs), op.traffic(inputs), 0, null, 0, epi, List.copyOf(others),
                    epiFlops, other, procs.of(path, primary), stream);
        }

        void node(Node n, String path, int layer, int stage) {
            NodeInfo in = info(n, path);
            MoeBlock block = in.block();
            if (block != null) {
                if (path.equals(block.dispatch())) {
                    int m = moeLayer++;
                    Routing key = new Routing(block, LongImmutableList.of(experts.tokens().get(m)), IntImmutableList.of(experts.ranks().get(m)));
                    if (schedule.overlap() == Overlap.FUSED) {
                        moeFused(stageDevices(stage), block, key, layer);
                    } else {
                        for (int d : stageDevices(stage)) {
                            moe(d, block, key, layer);
                        }
                    }
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

        void bindResults(int d, Node n, int... ids) {
            for (Value r : n.results()) {
                env.get(d).put(r.name(), ids);
            }
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
            int id = emit(d, taskName(layer, in.base()), n.op(), in.inputs(), in.processor(), in.stream(), deps.toIntArray(), flops, t, null, 0, null,
                    layer, in.section());
            bindResults(d, n, id);
            if (epi != null) {
                bindResults(d, epi, id);
            }
        }

        /** A layer's routing: layers that route and place alike lower to the same MoE tasks. */
        record Routing(MoeBlock block, LongImmutableList tokens, IntImmutableList ranks) {
        }

        /** A compute task of one MoE tile, apart from its dependencies and layer. */
        record ExpertTask(String name, String processor, ExpertFfn op, List<TensorType> inputs, long flops, Traffic traffic) {
        }

        /** One tile of a device's MoE block apart from dependencies and layer (names without the layer prefix; null where absent). */
        record MoeTile(String dispatchName, Dispatch dispatch, Traffic dispatchTraffic, String a2aName, List<TensorType> a2aIn, Traffic a2aTraffic,
                double a2aBytes, List<ExpertTask> ffn, String reduceName, List<TensorType> reduceIn, Traffic reduceTraffic, double reduceBytes,
                String backName, List<TensorType> backIn, Traffic backTraffic, double backBytes, String combineName, Combine combine,
                List<TensorType> combineIn, Traffic combineTraffic, long combineFlops) {
        }

        /** A device's MoE block under one routing. */
        record MoeDevice(List<TensorType> dispatchIn, String dispatchProc, String combineProc, AllToAll a2a, AllReduce reduce, List<MoeTile> tiles) {
        }

        /** The MoE tasks of local device {@code local} under a routing, derived once per distinct routing. */
        MoeDevice moeDevice(Routing key, int local) {
            MoeDevice[] perDevice = moeMemo.computeIfAbsent(key, k -> new MoeDevice[ds]);
            if (perDevice[local] == null) {
                long[][] shards = shardMemo.computeIfAbsent(key, k -> new long[layout.moe().ep() * layout.moe().dp()][]);
                perDevice[local] = prepareMoe(key.block(), key.tokens().toLongArray(), key.ranks().toIntArray(), shards, local);
            }
            return perDevice[local];
        }

        /** One MoE block on device d: dispatch, all-to-all, experts, reduce, all-to-all, combine; tiled when asked. */
        void moe(int d, MoeBlock b, Routing key, int layer) {
            MoeDevice md = moeDevice(key, d % ds);
            Node combineNode = nodeAt.get(b.combine());
            IntImmutableList members = new DeviceGroup(layout.moe().tp(), layout.moe().ep()).members(d, ds);
            String epLink = linkOf(members);
            IntImmutableList tg = null;
            String tpLink = null;
            if (b.tpReduce() != null) {
                tg = new DeviceGroup(1, layout.moe().tp()).members(d, ds);
                tpLink = linkOf(tg);
            }
            String sec = Sections.MOE;
            String pre = "L" + layer + ".";
            int[] inDeps = depsOf(d, nodeAt.get(b.dispatch()).operands());
            int[] restDeps = depsOf(d, combineNode.operands().subList(1, combineNode.operands().size()));
            int[] combineOut = new int[md.tiles().size()];
            for (int i = 0; i < combineOut.length; i++) {
                MoeTile t = md.tiles().get(i);
                int dispatchId = emit(d, pre + t.dispatchName(), t.dispatch(), md.dispatchIn(), md.dispatchProc(), 0, inDeps, 0, t.dispatchTraffic(),
                        null, 0, null, layer, sec);
                int last = dispatchId;
                if (t.a2aName() != null) {
                    last = emit(d, pre + t.a2aName(), md.a2a(), t.a2aIn(), LINK, Schedule.COMM_STREAM, new int[] {dispatchId}, 0, t.a2aTraffic(), epLink,
                            t.a2aBytes(), members, layer, sec);
                }
                int[] after = new int[t.ffn().size()];
                for (int k = 0; k < after.length; k++) {
                    ExpertTask x = t.ffn().get(k);
                    after[k] = emit(d, pre + x.name(), x.op(), x.inputs(), x.processor(), 0, new int[] {last}, x.flops(), x.traffic(), null, 0, null,
                            layer, sec);
                }
                if (t.reduceName() != null) {
                    after = new int[] {emit(d, pre + t.reduceName(), md.reduce(), t.reduceIn(), LINK, Schedule.COMM_STREAM, after, 0, t.reduceTraffic(),
                            tpLink, t.reduceBytes(), tg, layer, sec)};
                }
                if (t.backName() != null) {
                    after = new int[] {emit(d, pre + t.backName(), md.a2a(), t.backIn(), LINK, Schedule.COMM_STREAM, after, 0, t.backTraffic(), epLink,
                            t.backBytes(), members, layer, sec)};
                }
                int[] cdeps = Arrays.copyOf(after, after.length + restDeps.length);
                System.arraycopy(restDeps, 0, cdeps, after.length, restDeps.length);
                combineOut[i] = emit(d, pre + t.combineName(), t.combine(), t.combineIn(), md.combineProc(), 0, cdeps, t.combineFlops(),
                        t.combineTraffic(), null, 0, null, layer, sec);
            }
            for (String p : new String[] {b.dispatch(), b.a2aDispatch(), b.ffn(), b.tpReduce(), b.a2aCombine()}) {
                if (p != null) {
                    bindResults(d, nodeAt.get(p), combineOut.clone());
                }
            }
            bindResults(d, combineNode, combineOut.clone());
        }

        /**
         * One MoE block on every device of a stage as a FlashMoE persistent kernel ({@link FusedMoe}): per tile,
         * dispatch; one put per peer of the tile's tokens for that peer's experts; the expert GEMMs after the
         * tile's tokens from every peer; the TP reduce, if any; one put back per peer; the combine after the
         * tile's results from every peer. Emitted phase by phase over the devices, so every put precedes
         * (in task order) the tasks on its destination that wait for it.
         */
        void moeFused(int[] devs, MoeBlock b, Routing key, int layer) {
            int n = devs.length;
            int tp = layout.moe().tp();
            int ep = layout.moe().ep();
            DeviceGroup epGroup = new DeviceGroup(tp, ep);
            MoeDevice[] md = new MoeDevice[n];
            for (int k = 0; k < n; k++) {
                md[k] = moeDevice(key, devs[k] % ds);
            }
            long[] global = key.tokens().toLongArray();
            int[] rank = key.ranks().toIntArray();
            long[][] shards = shardMemo.get(key);
            List<int[][]> tilesOfRank = new ArrayList<>();
            for (int j = 0; j < ep; j++) {
                IntArrayList own = new IntArrayList();
                for (int e = 0; e < rank.length; e++) {
                    if (rank[e] == j) {
                        own.add(e);
                    }
                }
                tilesOfRank.add(FusedMoe.interleave(own.toIntArray(), schedule.tiles()));
            }
            Node dispatchNode = nodeAt.get(b.dispatch());
            Node combineNode = nodeAt.get(b.combine());
            DType dt = dispatchNode.operands().get(0).type().dtype();
            long h = b.hidden();
            String sec = Sections.MOE;
            String pre = "L" + layer + ".";
            int[][] dispatchId = new int[n][];
            // tokens of device k for tile i of rank j
            long[][] mine = new long[n][];
            int[] myRank = new int[n];
            IntImmutableList[] members = new IntImmutableList[n];
            for (int k = 0; k < n; k++) {
                int d = devs[k];
                int local = d % ds;
                mine[k] = shard(shards, global, local / tp);
                myRank[k] = epGroup.rank(local, ds);
                members[k] = epGroup.members(d, ds);
                int[] inDeps = depsOf(d, dispatchNode.operands());
                dispatchId[k] = new int[md[k].tiles().size()];
                for (int i = 0; i < dispatchId[k].length; i++) {
                    MoeTile t = md[k].tiles().get(i);
                    dispatchId[k][i] = emit(d, pre + t.dispatchName(), t.dispatch(), md[k].dispatchIn(), md[k].dispatchProc(), 0, inDeps, 0,
                            t.dispatchTraffic(), null, 0, null, layer, sec);
                }
            }
            // puts: into[k][i] collects the sends that device k's tile i waits for
            List<List<IntArrayList>> into = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                List<IntArrayList> l = new ArrayList<>();
                for (int i = 0; i < md[k].tiles().size(); i++) {
                    l.add(new IntArrayList());
                }
                into.add(l);
            }
            String a2aBase = b.a2aDispatch() != null ? nodeAt.get(b.a2aDispatch()).result().name() : null;
            if (a2aBase != null) {
                for (int k = 0; k < n; k++) {
                    int d = devs[k];
                    for (int i = 0; i < dispatchId[k].length; i++) {
                        // peers in rotated order (rank+1, rank+2, ...), so the senders of a tile do not all start on the same peer
                        for (int x = 1; x < ep; x++) {
                            int j = (myRank[k] + x) % ep;
                            if (i >= tilesOfRank.get(j).length) {
                                continue;
                            }
                            long rows = 0;
                            for (int e : tilesOfRank.get(j)[i]) {
                                rows += mine[k][e];
                            }
                            int peer = members[k].getInt(j);
                            int pk = indexOf(devs, peer);
                            if (rows == 0 || pk < 0 || i >= into.get(pk).size()) {
                                continue;
                            }
                            into.get(pk).get(i).add(put(d, peer, pre + a2aBase + ".t" + i + ".to" + peer, dt, rows, h, dispatchId[k][i], layer));
                        }
                    }
                }
            }
            // expert GEMMs and TP reduce
            int[][][] after = new int[n][][];
            for (int k = 0; k < n; k++) {
                int d = devs[k];
                after[k] = new int[md[k].tiles().size()][];
                IntImmutableList tg = b.tpReduce() != null ? new DeviceGroup(1, tp).members(d, ds) : null;
                for (int i = 0; i < after[k].length; i++) {
                    MoeTile t = md[k].tiles().get(i);
                    IntArrayList deps = new IntArrayList(into.get(k).get(i));
                    deps.add(dispatchId[k][i]);
                    int[] a = new int[t.ffn().size()];
                    for (int x = 0; x < a.length; x++) {
                        ExpertTask e = t.ffn().get(x);
                        a[x] = emit(d, pre + e.name(), e.op(), e.inputs(), e.processor(), 0, deps.toIntArray(), e.flops(), e.traffic(), null, 0, null,
                                layer, sec);
                    }
                    if (t.reduceName() != null) {
                        a = new int[] {emit(d, pre + t.reduceName(), md[k].reduce(), t.reduceIn(), LINK, Schedule.COMM_STREAM, a, 0, t.reduceTraffic(),
                                linkOf(tg), t.reduceBytes(), tg, layer, sec)};
                    }
                    after[k][i] = a;
                }
            }
            // puts back: home[k][i] collects the sends that device k's combine of tile i waits for
            List<List<IntArrayList>> home = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                List<IntArrayList> l = new ArrayList<>();
                for (int i = 0; i < md[k].tiles().size(); i++) {
                    l.add(new IntArrayList(after[k][i]));
                }
                home.add(l);
            }
            String backBase = b.a2aCombine() != null ? nodeAt.get(b.a2aCombine()).result().name() : null;
            if (backBase != null) {
                for (int k = 0; k < n; k++) {
                    int d = devs[k];
                    int[][] ownTiles = tilesOfRank.get(myRank[k]);
                    for (int i = 0; i < after[k].length && i < ownTiles.length; i++) {
                        for (int x = 1; x < ep; x++) {
                            int j = (myRank[k] + x) % ep;
                            int peer = members[k].getInt(j);
                            int pk = indexOf(devs, peer);
                            if (pk < 0 || i >= home.get(pk).size()) {
                                continue;
                            }
                            long rows = 0;
                            for (int e : ownTiles[i]) {
                                rows += mine[pk][e];
                            }
                            if (rows == 0) {
                                continue;
                            }
                            // the peer's combine of tile i waits for this put
                            home.get(pk).get(i).add(put(d, peer, pre + backBase + ".t" + i + ".to" + peer, dt, rows, h,
                                    after[k][i], layer));
                        }
                    }
                }
            }
            for (int k = 0; k < n; k++) {
                int d = devs[k];
                int[] restDeps = depsOf(d, combineNode.operands().subList(1, combineNode.operands().size()));
                int[] combineOut = new int[md[k].tiles().size()];
                for (int i = 0; i < combineOut.length; i++) {
                    MoeTile t = md[k].tiles().get(i);
                    IntArrayList deps = new IntArrayList(home.get(k).get(i));
                    deps.addAll(IntArrayList.wrap(restDeps));
                    combineOut[i] = emit(d, pre + t.combineName(), t.combine(), t.combineIn(), md[k].combineProc(), 0, deps.toIntArray(),
                            t.combineFlops(), t.combineTraffic(), null, 0, null, layer, sec);
                }
                for (String p : new String[] {b.dispatch(), b.a2aDispatch(), b.ffn(), b.tpReduce(), b.a2aCombine()}) {
                    if (p != null) {
                        bindResults(d, nodeAt.get(p), combineOut.clone());
                    }
                }
                bindResults(d, combineNode, combineOut.clone());
            }
        }

        /** A one-sided put of {@code rows} token rows from device {@code from} to {@code to} (fused MoE). */
        int put(int from, int to, String name, DType dt, long rows, long h, int[] deps, int layer) {
            TensorType t = TensorType.of(dt, rows, h);
            Send s = new Send(to);
            return emit(from, name, s, List.of(t), LINK, FusedMoe.putStream(to), deps, 0, s.traffic(List.of(t)), linkBetween(from, to), t.bytes(),
                    IntImmutableList.of(from, to), layer, Sections.MOE);
        }

        int put(int from, int to, String name, DType dt, long rows, long h, int dep, int layer) {
            return put(from, to, name, dt, rows, h, new int[] {dep}, layer);
        }

        static int indexOf(int[] a, int x) {
            for (int i = 0; i < a.length; i++) {
                if (a[i] == x) {
                    return i;
                }
            }
            return -1;
        }

        static long[] shard(long[][] shards, long[] global, int i) {
            if (shards[i] == null) {
                shards[i] = TokenShards.shard(LongImmutableList.of(global), shards.length, i);
            }
            return shards[i];
        }

        MoeDevice prepareMoe(MoeBlock b, long[] global, int[] rank, long[][] shards, int local) {
            Node dispatchNode = nodeAt.get(b.dispatch());
            Node combineNode = nodeAt.get(b.combine());
            Node ffnNode = nodeAt.get(b.ffn());
            ExpertFfn ffnOp = (ExpertFfn) ffnNode.op();
            DType dt = dispatchNode.operands().get(0).type().dtype();
            long h = b.hidden();
            int ep = layout.moe().ep();
            int tp = layout.moe().tp();
            DeviceGroup epGroup = new DeviceGroup(tp, ep);
            IntImmutableList members = epGroup.members(local, ds);
            int myRank = epGroup.rank(local, ds);
            long[] mine = shard(shards, global, local / tp);
            long[][] groupShards = new long[ep][];
            for (int j = 0; j < ep; j++) {
                groupShards[j] = shard(shards, global, (members.getInt(j) % ds) / tp);
            }
            // experts of each rank, ascending, cut into tiles
            int tiles = schedule.overlap() == Overlap.TILE || schedule.overlap() == Overlap.FUSED ? schedule.tiles() : 1;
            List<int[][]> tilesOfRank = new ArrayList<>();
            for (int j = 0; j < ep; j++) {
                IntArrayList own = new IntArrayList();
                for (int e = 0; e < rank.length; e++) {
                    if (rank[e] == j) {
                        own.add(e);
                    }
                }
                tilesOfRank.add(schedule.overlap() == Overlap.FUSED ? FusedMoe.interleave(own.toIntArray(), tiles) : cut(own.toIntArray(), tiles));
            }
            int[][] ownTiles = tilesOfRank.get(myRank);
            int nt = ownTiles.length;
            long[] recvAll = new long[rank.length];
            for (int e = 0; e < rank.length; e++) {
                if (rank[e] == myRank) {
                    for (int j = 0; j < ep; j++) {
                        recvAll[e] += groupShards[j][e];
                    }
                }
            }
            List<TensorType> dIn = List.copyOf(GraphWalk.types(dispatchNode.operands()));
            Traffic dt0 = ((Dispatch) dispatchNode.op()).traffic(dIn);
            long allCopies = sum(mine);
            Traffic dAll = nt == 1 ? new Dispatch(b.experts(), b.topK(), LongImmutableList.of(mine)).traffic(dIn) : null;
            List<TensorType> cIn = List.of(TensorType.of(dt, allCopies, h), combineNode.operands().get(1).type());
            Traffic cAll = new Combine(b.experts(), b.topK(), LongImmutableList.of(mine)).traffic(cIn);
            AllReduce ar = new AllReduce(tp);
            List<MoeTile> out = new ArrayList<>();
            for (int i = 0; i < nt; i++) {
                String sfx = nt > 1 ? ".t" + i : "";
                // experts this tile covers on every rank (tile i of each rank)
                boolean[] inTile = new boolean[rank.length];
                for (int j = 0; j < ep; j++) {
                    int[][] tr = tilesOfRank.get(j);
                    if (i < tr.length) {
                        for (int e : tr[i]) {
                            inTile[e] = true;
                        }
                    }
                }
                long[] tileTokens = mask(mine, inTile);
                long copies = sum(tileTokens);
                Dispatch dop = new Dispatch(b.experts(), b.topK(), LongImmutableList.of(tileTokens));
                Traffic dtr = nt == 1 ? dAll : scale(dt0, copies, allCopies);
                long recvRows = sum(mask(recvAll, maskOf(ownTiles[i], rank.length)));
                String a2aName = null;
                List<TensorType> a2aIn = null;
                Traffic a2aTraffic = null;
                double a2aBytes = 0;
                if (b.a2aDispatch() != null) {
                    long sent = 0;
                    for (int e = 0; e < rank.length; e++) {
                        if (inTile[e] && rank[e] != myRank) {
                            sent += mine[e];
                        }
                    }
                    TensorType tin = TensorType.of(dt, copies, h);
                    a2aName = nodeAt.get(b.a2aDispatch()).result().name() + sfx;
                    a2aIn = List.of(tin);
                    a2aTraffic = Traffic.activations(tin.bytes(), dt.bytesFor(recvRows * h));
                    a2aBytes = (double) dt.bytesFor(sent * h);
                }
                List<ExpertTask> ffn = expertTasks(b, ffnOp, ownTiles[i], recvAll, dt, h, nodeAt.get(b.ffn()).result().name() + sfx);
                String reduceName = null;
                List<TensorType> reduceIn = null;
                Traffic reduceTraffic = null;
                double reduceBytes = 0;
                if (b.tpReduce() != null) {
                    reduceIn = List.of(TensorType.of(dt, recvRows, h));
                    reduceName = nodeAt.get(b.tpReduce()).result().name() + sfx;
                    reduceTraffic = ar.traffic(reduceIn);
                    reduceBytes = ar.linkBytesPerDevice(reduceIn);
                }
                String backName = null;
                List<TensorType> backIn = null;
                Traffic backTraffic = null;
                double backBytes = 0;
                if (b.a2aCombine() != null) {
                    long back = 0;
                    for (int e : ownTiles[i]) {
                        for (int j = 0; j < ep; j++) {
                            if (j != myRank) {
                                back += groupShards[j][e];
                            }
                        }
                    }
                    TensorType tin = TensorType.of(dt, recvRows, h);
                    backName = nodeAt.get(b.a2aCombine()).result().name() + sfx;
                    backIn = List.of(tin);
                    backTraffic = Traffic.activations(tin.bytes(), dt.bytesFor(copies * h));
                    backBytes = (double) dt.bytesFor(back * h);
                }
                Combine cop = new Combine(b.experts(), b.topK(), LongImmutableList.of(tileTokens));
                out.add(new MoeTile(dispatchNode.result().name() + sfx, dop, dtr, a2aName, a2aIn, a2aTraffic, a2aBytes, ffn, reduceName, reduceIn,
                        reduceTraffic, reduceBytes, backName, backIn, backTraffic, backBytes, combineNode.result().name() + sfx, cop, cIn,
                        scale(cAll, copies, allCopies), 2L * copies * h));
            }
            return new MoeDevice(dIn, procs.of(b.dispatch(), primary), procs.of(b.combine(), primary), new AllToAll(ep), ar, List.copyOf(out));
        }

        /** The expert GEMMs of one tile: one task, or an xPU and a PIM task under co-processing. */
        List<ExpertTask> expertTasks(MoeBlock b, ExpertFfn model, int[] own, long[] recvAll, DType dt, long h, String name) {
            long[] tok = new long[own.length];
            for (int k = 0; k < own.length; k++) {
                tok[k] = recvAll[own[k]];
            }
            ExpertCoprocessor cop = procs.coprocessor();
            ExpertCoprocessor.Shape shape = ExpertCoprocessor.Shape.of(model, dt);
            if (cop == null || own.length == 0) {
                ExpertFfn op = ExpertCoprocessor.subset(shape, tok.length == 0 ? new long[] {0} : tok);
                List<TensorType> in = List.of(TensorType.of(dt, op.totalTokens(), h));
                return List.of(new ExpertTask(name, procs.of(b.ffn(), primary), op, in, op.flops(in), op.traffic(in)));
            }
            ExpertCoprocessor.Decision dec = cop.decide(shape, tok);
            List<ExpertTask> out = new ArrayList<>();
            int[][] sides = {dec.xpuExperts(), dec.pimExperts()};
            String[] procNames = {dec.xpu(), dec.pim()};
            for (int s = 0; s < 2; s++) {
                if (sides[s].length == 0) {
                    continue;
                }
                long[] st = new long[sides[s].length];
                for (int k = 0; k < st.length; k++) {
                    st[k] = tok[sides[s][k]];
                }
                ExpertFfn op = ExpertCoprocessor.subset(shape, st);
                List<TensorType> in = List.of(TensorType.of(dt, op.totalTokens(), h));
                out.add(new ExpertTask(name + "." + procNames[s], procNames[s], op, in, op.flops(in), op.traffic(in)));
            }
            return List.copyOf(out);
        }

        static int[][] cut(int[] own, int tiles) {
            int n = Math.max(1, Math.min(tiles, own.length));
            int[][] out = new int[n][];
            long[] sizes = TokenShards.balanced(own.length, n);
            int at = 0;
            for (int i = 0; i < n; i++) {
                out[i] = Arrays.copyOfRange(own, at, at + (int) sizes[i]);
                at += (int) sizes[i];
            }
            return out;
        }

        static boolean[] maskOf(int[] experts, int n) {
            boolean[] m = new boolean[n];
            for (int e : experts) {
                m[e] = true;
            }
            return m;
        }

        static long[] mask(long[] v, boolean[] keep) {
            long[] out = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = keep[i] ? v[i] : 0;
            }
            return out;
        }

        static long sum(long[] v) {
            long s = 0;
            for (long x : v) {
                s += x;
            }
            return s;
        }

        static Traffic scale(Traffic t, long part, long whole) {
            if (whole == 0 || part == whole) {
                return t;
            }
            return new Traffic(t.weightBytes() * part / whole, t.activationReadBytes() * part / whole, t.activationWriteBytes() * part / whole,
                    t.kvReadBytes() * part / whole, t.kvWriteBytes() * part / whole);
        }
    }
}
