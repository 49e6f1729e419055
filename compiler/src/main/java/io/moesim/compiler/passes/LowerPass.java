package io.moesim.compiler.passes;

import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompilerException;
import io.moesim.compiler.Pass;
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
 */
public final class LowerPass implements Pass {
    public static final String NAME = "lower";
    public static final String LINK = "link";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Stage> requires() {
        return Set.of(Stage.FUSED, Stage.EXPERTS_PLACED, Stage.PROCESSORS_PLACED, Stage.MEMORY_PLANNED, Stage.SCHEDULED);
    }

    @Override
    public Set<Stage> provides() {
        return Set.of(Stage.LOWERED);
    }

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
        final Map<String, Node> nodeAt = new HashMap<>();
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
                                throw new CompilerException(NAME, "nested repeat blocks are not supported (node " + path + "/" + j + ")");
                            }
                            node(b, path + "/" + j, (int) layer, stage);
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

        String taskName(int layer, Node n, String path) {
            String base = n.results().isEmpty() ? n.op().mnemonic() + "@" + path : n.results().get(0).name();
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

        void node(Node n, String path, int layer, int stage) {
            String section = layout.section(path);
            MoeBlock block = layout.moeBlockOf(path);
            if (block != null) {
                if (path.equals(block.dispatch())) {
                    int m = moeLayer++;
                    for (int d : stageDevices(stage)) {
                        moe(d, block, m, layer);
                    }
                }
                return;
            }
            Fusion absorbed = fusions.absorbing(path);
            for (int d : stageDevices(stage)) {
                if (absorbed != null && absorbed.kind() == Fusion.Kind.EPILOGUE) {
                    continue;
                }
                List<TensorType> inputs = GraphWalk.types(n.operands());
                if (absorbed != null) {
                    Traffic t = n.op().traffic(inputs);
                    pending.get(d).put(n.result().name(), new Pending(depsOf(d, n.operands()), n.op().flops(inputs), t, n.result().type().bytes()));
                    env.get(d).put(n.result().name(), depsOf(d, n.operands()));
                    continue;
                }
                if (n.op() instanceof Collective c) {
                    collective(d, n, path, c, inputs, layer, section);
                    continue;
                }
                compute(d, n, path, inputs, layer, section);
            }
        }

        void collective(int d, Node n, String path, Collective c, List<TensorType> inputs, int layer, String section) {
            DeviceGroup g = layout.groups().getOrDefault(path, new DeviceGroup(1, c.group()));
            IntImmutableList members = g.members(d, ds);
            int id = emit(d, taskName(layer, n, path), c, inputs, LINK, Schedule.COMM_STREAM, depsOf(d, n.operands()), 0, c.traffic(inputs),
                    linkOf(members), c.linkBytesPerDevice(inputs), members, layer, section);
            bindResults(d, n, id);
        }

        void bindResults(int d, Node n, int... ids) {
            for (Value r : n.results()) {
                env.get(d).put(r.name(), ids);
            }
        }

        void compute(int d, Node n, String path, List<TensorType> inputs, int layer, String section) {
            Op op = n.op();
            long flops = op.flops(inputs);
            Traffic t = op.traffic(inputs);
            IntArrayList deps = new IntArrayList(depsOf(d, n.operands()));
            String name = taskName(layer, n, path);
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
            Node epi = null;
            for (Fusion f : fusions.survivingAt(path)) {
                if (f.kind() == Fusion.Kind.EPILOGUE) {
                    epi = nodeAt.get(f.consumer());
                }
            }
            if (epi != null) {
                List<TensorType> ein = GraphWalk.types(epi.operands());
                flops += epi.op().flops(ein);
                long other = 0;
                for (Value v : epi.operands()) {
                    if (!v.equals(n.result())) {
                        other += v.type().bytes();
                        deps.addAll(IntArrayList.wrap(env.get(d).get(v.name())));
                    }
                }
                t = new Traffic(t.weightBytes(), t.activationReadBytes() + other, t.activationWriteBytes(), t.kvReadBytes(), t.kvWriteBytes());
                name = name + "+" + epi.op().mnemonic();
            }
            String proc = procs.of(path, sys.device().primary().name());
            int stream = 0;
            if (schedule.overlap() != Overlap.NONE && op instanceof ExpertFfn f && f.experts() == 1 && Sections.MOE.equals(section)) {
                stream = Schedule.SIDE_STREAM;
            }
            int id = emit(d, name, op, inputs, proc, stream, deps.toIntArray(), flops, t, null, 0, null, layer, section);
            bindResults(d, n, id);
            if (epi != null) {
                bindResults(d, epi, id);
            }
        }

        /** One MoE block on device d, MoE layer m: dispatch, all-to-all, experts, reduce, all-to-all, combine; tiled when asked. */
        void moe(int d, MoeBlock b, int m, int layer) {
            Node dispatchNode = nodeAt.get(b.dispatch());
            Node combineNode = nodeAt.get(b.combine());
            Node ffnNode = nodeAt.get(b.ffn());
            ExpertFfn ffnOp = (ExpertFfn) ffnNode.op();
            DType dt = dispatchNode.operands().get(0).type().dtype();
            long h = b.hidden();
            int ep = layout.moe().ep();
            int tp = layout.moe().tp();
            int shards = ep * layout.moe().dp();
            long[] global = experts.tokens().get(m);
            int[] rank = experts.ranks().get(m);
            LongImmutableList gl = LongImmutableList.of(global);
            int local = d % ds;
            int shard = local / tp;
            DeviceGroup epGroup = new DeviceGroup(tp, ep);
            IntImmutableList members = epGroup.members(d, ds);
            int myRank = epGroup.rank(d, ds);
            long[] mine = TokenShards.shard(gl, shards, shard);
            long[][] groupShards = new long[ep][];
            for (int j = 0; j < ep; j++) {
                groupShards[j] = TokenShards.shard(gl, shards, (members.getInt(j) % ds) / tp);
            }
            // experts of each rank, ascending, cut into tiles
            int tiles = schedule.overlap() == Overlap.TILE ? schedule.tiles() : 1;
            int[][] ownTiles = null;
            List<int[][]> tilesOfRank = new ArrayList<>();
            for (int j = 0; j < ep; j++) {
                IntArrayList own = new IntArrayList();
                for (int e = 0; e < rank.length; e++) {
                    if (rank[e] == j) {
                        own.add(e);
                    }
                }
                tilesOfRank.add(cut(own.toIntArray(), tiles));
            }
            ownTiles = tilesOfRank.get(myRank);
            int nt = ownTiles.length;
            String sec = Sections.MOE;
            String dproc = procs.of(b.dispatch(), sys.device().primary().name());
            String cproc = procs.of(b.combine(), sys.device().primary().name());
            int[] inDeps = depsOf(d, dispatchNode.operands());
            IntArrayList combineOut = new IntArrayList();
            long[] recvAll = new long[rank.length];
            for (int e = 0; e < rank.length; e++) {
                if (rank[e] == myRank) {
                    for (int j = 0; j < ep; j++) {
                        recvAll[e] += groupShards[j][e];
                    }
                }
            }
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
                long allCopies = sum(mine);
                Dispatch dop = new Dispatch(b.experts(), b.topK(), LongImmutableList.of(tileTokens));
                List<TensorType> dIn = GraphWalk.types(dispatchNode.operands());
                Traffic dt0 = ((Dispatch) dispatchNode.op()).traffic(dIn);
                Traffic dtr = nt == 1 ? new Dispatch(b.experts(), b.topK(), LongImmutableList.of(mine)).traffic(dIn) : scale(dt0, copies, allCopies);
                int dispatchId = emit(d, "L" + layer + "." + dispatchNode.result().name() + sfx, dop, dIn, dproc, 0, inDeps, 0, dtr, null, 0, null, layer, sec);
                int last = dispatchId;
                long[] recv = mask(recvAll, maskOf(ownTiles[i], rank.length));
                long recvRows = sum(recv);
                if (b.a2aDispatch() != null) {
                    long sent = 0;
                    for (int e = 0; e < rank.length; e++) {
                        if (inTile[e] && rank[e] != myRank) {
                            sent += mine[e];
                        }
                    }
                    TensorType tin = TensorType.of(dt, copies, h);
                    AllToAll a2a = new AllToAll(ep);
                    last = emit(d, "L" + layer + "." + nodeAt.get(b.a2aDispatch()).result().name() + sfx, a2a, List.of(tin), LINK,
                            Schedule.COMM_STREAM, new int[] {dispatchId}, 0, Traffic.activations(tin.bytes(), dt.bytesFor(recvRows * h)),
                            linkOf(members), (double) dt.bytesFor(sent * h), members, layer, sec);
                }
                int[] ffnIds = experts(d, b, ffnOp, ownTiles[i], recvAll, dt, h, last, layer, sfx);
                int[] after = ffnIds;
                if (b.tpReduce() != null) {
                    TensorType t = TensorType.of(dt, recvRows, h);
                    AllReduce ar = new AllReduce(tp);
                    IntImmutableList tg = new DeviceGroup(1, tp).members(d, ds);
                    after = new int[] {emit(d, "L" + layer + "." + nodeAt.get(b.tpReduce()).result().name() + sfx, ar, List.of(t), LINK,
                            Schedule.COMM_STREAM, ffnIds, 0, ar.traffic(List.of(t)), linkOf(tg), ar.linkBytesPerDevice(List.of(t)), tg, layer, sec)};
                }
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
                    AllToAll a2a = new AllToAll(ep);
                    after = new int[] {emit(d, "L" + layer + "." + nodeAt.get(b.a2aCombine()).result().name() + sfx, a2a, List.of(tin), LINK,
                            Schedule.COMM_STREAM, after, 0, Traffic.activations(tin.bytes(), dt.bytesFor(copies * h)), linkOf(members),
                            (double) dt.bytesFor(back * h), members, layer, sec)};
                }
                IntArrayList cdeps = new IntArrayList(after);
                cdeps.addAll(IntArrayList.wrap(depsOf(d, combineNode.operands().subList(1, combineNode.operands().size()))));
                Combine cop = new Combine(b.experts(), b.topK(), LongImmutableList.of(tileTokens));
                List<TensorType> cIn = List.of(TensorType.of(dt, allCopies, h), combineNode.operands().get(1).type());
                Traffic ctr = scale(new Combine(b.experts(), b.topK(), LongImmutableList.of(mine)).traffic(cIn), copies, allCopies);
                int cid = emit(d, "L" + layer + "." + combineNode.result().name() + sfx, cop, cIn, cproc, 0, cdeps.toIntArray(), 2L * copies * h, ctr,
                        null, 0, null, layer, sec);
                combineOut.add(cid);
            }
            for (String p : new String[] {b.dispatch(), b.a2aDispatch(), b.ffn(), b.tpReduce(), b.a2aCombine()}) {
                if (p != null) {
                    bindResults(d, nodeAt.get(p), combineOut.toIntArray());
                }
            }
            bindResults(d, combineNode, combineOut.toIntArray());
        }

        /** The expert GEMMs of one tile: one task, or an xPU and a PIM task under co-processing. */
        int[] experts(int d, MoeBlock b, ExpertFfn model, int[] own, long[] recvAll, DType dt, long h, int dep, int layer, String sfx) {
            long[] tok = new long[own.length];
            for (int k = 0; k < own.length; k++) {
                tok[k] = recvAll[own[k]];
            }
            String name = "L" + layer + "." + nodeAt.get(b.ffn()).result().name() + sfx;
            ExpertCoprocessor cop = procs.coprocessor();
            ExpertCoprocessor.Shape shape = ExpertCoprocessor.Shape.of(model, dt);
            if (cop == null || own.length == 0) {
                ExpertFfn op = ExpertCoprocessor.subset(shape, tok.length == 0 ? new long[] {0} : tok);
                List<TensorType> in = List.of(TensorType.of(dt, op.totalTokens(), h));
                return new int[] {emit(d, name, op, in, procs.of(b.ffn(), sys.device().primary().name()), 0, new int[] {dep}, op.flops(in),
                        op.traffic(in), null, 0, null, layer, Sections.MOE)};
            }
            ExpertCoprocessor.Decision dec = cop.decide(shape, tok);
            IntArrayList ids = new IntArrayList();
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
                ids.add(emit(d, name + "." + procNames[s], op, in, procNames[s], 0, new int[] {dep}, op.flops(in), op.traffic(in), null, 0, null,
                        layer, Sections.MOE));
            }
            return ids.toIntArray();
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
