package io.moesim.compiler.passes;

import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.placement.ExpertCoprocessor;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.AllToAll;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.Op;
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

/**
 * MoE lowering, split out of {@link LowerPass} (issue 14): each MoE block of the parallel graph becomes
 * per-device tasks, specialised from the expert assignment (each device's own experts and tokens, its exact
 * all-to-all bytes, an xPU and a PIM task per tile under co-processing), and emitted by overlap mode: one
 * chain per device (none, layer), cut into tiles by expert group (tile), or as a FlashMoE persistent kernel
 * with one-sided puts ({@link FusedMoe}, fused).
 *
 * <p>It lives apart from {@code LowerPass} because it is the one part of lowering that differs per device;
 * everything else a node lowers to is the same on every device. What a device's block lowers to, apart from
 * dependencies and layer, depends only on its routing, so it is derived once per distinct routing and reused.
 * The tasks themselves go through {@link Tasks}, {@code LowerPass}'s task list, so ids, names and the
 * program-order dependencies of overlap none stay exactly as one lowerer would give them.
 */
final class MoeLowering {
    /** What MoE lowering needs from the lowerer that owns the task list and the value-to-task environment. */
    interface Tasks {
        /** Appends a task on device {@code d} and returns its id (see {@code LowerPass}'s {@code emit}). */
        int emit(int d, String name, Op op, List<TensorType> inputs, String processor, int stream, int[] deps, long flops, Traffic traffic,
                String link, double linkBytes, IntImmutableList group, int layer, String layerType);

        /** The tasks that produce {@code operands} on device {@code d}. */
        int[] depsOf(int d, List<Value> operands);

        /** Binds the results of {@code n} on device {@code d} to tasks {@code ids}. */
        void bindResults(int d, Node n, int... ids);

        /** The link a collective over {@code group} runs on. */
        String linkOf(IntImmutableList group);

        /** The link between two devices. */
        String linkBetween(int a, int b);
    }

    private final ParallelLayout layout;
    private final ExpertAssignment experts;
    private final ProcessorAssignment procs;
    private final Schedule schedule;
    private final String primary;
    private final Map<String, Node> nodeAt;
    private final Tasks tasks;
    private final int ds;
    private final Map<Routing, MoeDevice[]> moeMemo = new HashMap<>();
    /** Token shards of each routing, each computed once and shared by the devices that read it. */
    private final Map<Routing, long[][]> shardMemo = new HashMap<>();
    /** MoE layers lowered so far: the index of the next one in the expert assignment. */
    private int moeLayer;

    MoeLowering(ParallelLayout layout, ExpertAssignment experts, ProcessorAssignment procs, Schedule schedule, String primary,
            Map<String, Node> nodeAt, Tasks tasks) {
        this.layout = layout;
        this.experts = experts;
        this.procs = procs;
        this.schedule = schedule;
        this.primary = primary;
        this.nodeAt = nodeAt;
        this.tasks = tasks;
        this.ds = layout.stageDevices();
    }

    /** The next MoE layer's block on devices {@code devs} (one pipeline stage), in layer {@code layer}. */
    void lower(MoeBlock block, int[] devs, int layer) {
        int m = moeLayer++;
        Routing key = new Routing(block, LongImmutableList.of(experts.tokens().get(m)), IntImmutableList.of(experts.ranks().get(m)));
        if (schedule.overlap() == Overlap.FUSED) {
            moeFused(devs, block, key, layer);
        } else {
            for (int d : devs) {
                moe(d, block, key, layer);
            }
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
            double a2aBytes, List<ExpertTask> ffn, String backName, List<TensorType> backIn, Traffic backTraffic, double backBytes, String combineName, Combine combine,
            List<TensorType> combineIn, Traffic combineTraffic, long combineFlops) {
    }

    /** A device's MoE block under one routing. */
    record MoeDevice(List<TensorType> dispatchIn, String dispatchProc, String combineProc, AllToAll a2a, List<MoeTile> tiles) {
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

    /**
     * One MoE block on device d: dispatch, all-to-all, experts, all-to-all, combine; tiled when asked. (Expert tensor
     * parallelism leaves partial sums, reduced where the block's result is used, not here: see ShardingRules.)
     */
    void moe(int d, MoeBlock b, Routing key, int layer) {
        MoeDevice md = moeDevice(key, d % ds);
        Node combineNode = nodeAt.get(b.combine());
        IntImmutableList members = new DeviceGroup(layout.moe().tp(), layout.moe().ep()).members(d, ds);
        String epLink = tasks.linkOf(members);
        String sec = Sections.MOE;
        String pre = "L" + layer + ".";
        int[] inDeps = tasks.depsOf(d, nodeAt.get(b.dispatch()).operands());
        int[] restDeps = tasks.depsOf(d, combineNode.operands().subList(1, combineNode.operands().size()));
        int[] combineOut = new int[md.tiles().size()];
        for (int i = 0; i < combineOut.length; i++) {
            MoeTile t = md.tiles().get(i);
            int dispatchId = tasks.emit(d, pre + t.dispatchName(), t.dispatch(), md.dispatchIn(), md.dispatchProc(), 0, inDeps, 0,
                    t.dispatchTraffic(), null, 0, null, layer, sec);
            int last = dispatchId;
            if (t.a2aName() != null) {
                last = tasks.emit(d, pre + t.a2aName(), md.a2a(), t.a2aIn(), LowerPass.LINK, Schedule.COMM_STREAM, new int[] {dispatchId}, 0,
                        t.a2aTraffic(), epLink, t.a2aBytes(), members, layer, sec);
            }
            int[] after = new int[t.ffn().size()];
            for (int k = 0; k < after.length; k++) {
                ExpertTask x = t.ffn().get(k);
                after[k] = tasks.emit(d, pre + x.name(), x.op(), x.inputs(), x.processor(), 0, new int[] {last}, x.flops(), x.traffic(), null,
                        0, null, layer, sec);
            }
            if (t.backName() != null) {
                after = new int[] {tasks.emit(d, pre + t.backName(), md.a2a(), t.backIn(), LowerPass.LINK, Schedule.COMM_STREAM, after, 0,
                        t.backTraffic(), epLink, t.backBytes(), members, layer, sec)};
            }
            int[] cdeps = Arrays.copyOf(after, after.length + restDeps.length);
            System.arraycopy(restDeps, 0, cdeps, after.length, restDeps.length);
            combineOut[i] = tasks.emit(d, pre + t.combineName(), t.combine(), t.combineIn(), md.combineProc(), 0, cdeps, t.combineFlops(),
                    t.combineTraffic(), null, 0, null, layer, sec);
        }
        for (String p : new String[] {b.dispatch(), b.a2aDispatch(), b.ffn(), b.a2aCombine()}) {
            if (p != null) {
                tasks.bindResults(d, nodeAt.get(p), combineOut.clone());
            }
        }
        tasks.bindResults(d, combineNode, combineOut.clone());
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
            tilesOfRank.add(FusedMoe.interleave(expertsOf(rank, j), schedule.tiles()));
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
            int[] inDeps = tasks.depsOf(d, dispatchNode.operands());
            dispatchId[k] = new int[md[k].tiles().size()];
            for (int i = 0; i < dispatchId[k].length; i++) {
                MoeTile t = md[k].tiles().get(i);
                dispatchId[k][i] = tasks.emit(d, pre + t.dispatchName(), t.dispatch(), md[k].dispatchIn(), md[k].dispatchProc(), 0, inDeps, 0,
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
        // expert GEMMs
        int[][][] after = new int[n][][];
        for (int k = 0; k < n; k++) {
            int d = devs[k];
            after[k] = new int[md[k].tiles().size()][];
            for (int i = 0; i < after[k].length; i++) {
                MoeTile t = md[k].tiles().get(i);
                IntArrayList deps = new IntArrayList(into.get(k).get(i));
                deps.add(dispatchId[k][i]);
                int[] a = new int[t.ffn().size()];
                for (int x = 0; x < a.length; x++) {
                    ExpertTask e = t.ffn().get(x);
                    a[x] = tasks.emit(d, pre + e.name(), e.op(), e.inputs(), e.processor(), 0, deps.toIntArray(), e.flops(), e.traffic(), null,
                            0, null, layer, sec);
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
            int[] restDeps = tasks.depsOf(d, combineNode.operands().subList(1, combineNode.operands().size()));
            int[] combineOut = new int[md[k].tiles().size()];
            for (int i = 0; i < combineOut.length; i++) {
                MoeTile t = md[k].tiles().get(i);
                IntArrayList deps = new IntArrayList(home.get(k).get(i));
                deps.addAll(IntArrayList.wrap(restDeps));
                combineOut[i] = tasks.emit(d, pre + t.combineName(), t.combine(), t.combineIn(), md[k].combineProc(), 0, deps.toIntArray(),
                        t.combineFlops(), t.combineTraffic(), null, 0, null, layer, sec);
            }
            for (String p : new String[] {b.dispatch(), b.a2aDispatch(), b.ffn(), b.a2aCombine()}) {
                if (p != null) {
                    tasks.bindResults(d, nodeAt.get(p), combineOut.clone());
                }
            }
            tasks.bindResults(d, combineNode, combineOut.clone());
        }
    }

    /** A one-sided put of {@code rows} token rows from device {@code from} to {@code to} (fused MoE). */
    int put(int from, int to, String name, DType dt, long rows, long h, int[] deps, int layer) {
        TensorType t = TensorType.of(dt, rows, h);
        Send s = new Send(to);
        return tasks.emit(from, name, s, List.of(t), LowerPass.LINK, FusedMoe.putStream(to), deps, 0, s.traffic(List.of(t)),
                tasks.linkBetween(from, to), t.bytes(), IntImmutableList.of(from, to), layer, Sections.MOE);
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
        int tiles = schedule.tiles(); // 1 unless the overlap is tile or fused (SchedulePass)
        List<int[][]> tilesOfRank = new ArrayList<>();
        for (int j = 0; j < ep; j++) {
            int[] own = expertsOf(rank, j);
            tilesOfRank.add(schedule.overlap() == Overlap.FUSED ? FusedMoe.interleave(own, tiles) : cut(own, tiles));
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
            out.add(new MoeTile(dispatchNode.result().name() + sfx, dop, dtr, a2aName, a2aIn, a2aTraffic, a2aBytes, ffn, backName, backIn, backTraffic, backBytes, combineNode.result().name() + sfx, cop, cIn,
                    scale(cAll, copies, allCopies), 2L * copies * h));
        }
        return new MoeDevice(dIn, procs.of(b.dispatch(), primary), procs.of(b.combine(), primary), new AllToAll(ep), List.copyOf(out));
    }

    /** The expert GEMMs of one tile: one task, or an xPU and a PIM task under co-processing. */
    List<ExpertTask> expertTasks(MoeBlock b, ExpertFfn model, int[] own, long[] recvAll, DType dt, long h, String name) {
        long[] tok = new long[own.length];
        // a mixed-format layer: each of this device's experts keeps its own format (by global id)
        List<io.moesim.ir.WeightFormat> fmt = b.expertFormats() == null ? null : new ArrayList<>();
        for (int k = 0; k < own.length; k++) {
            tok[k] = recvAll[own[k]];
            if (fmt != null) {
                fmt.add(b.expertFormats().get(own[k]));
            }
        }
        ExpertCoprocessor cop = procs.coprocessor();
        ExpertCoprocessor.Shape shape = ExpertCoprocessor.Shape.of(model, dt);
        if (cop == null || own.length == 0) {
            ExpertFfn op = ExpertCoprocessor.subset(shape, tok.length == 0 ? new long[] {0} : tok, tok.length == 0 ? null : fmt);
            List<TensorType> in = List.of(TensorType.of(dt, op.totalTokens(), h));
            return List.of(new ExpertTask(name, procs.of(b.ffn(), primary), op, in, op.flops(in), op.traffic(in)));
        }
        ExpertCoprocessor.Decision dec = cop.decide(shape, tok, fmt);
        List<ExpertTask> out = new ArrayList<>();
        int[][] sides = {dec.xpuExperts(), dec.pimExperts()};
        String[] procNames = {dec.xpu(), dec.pim()};
        for (int s = 0; s < 2; s++) {
            // a side that holds only idle experts runs nothing (the placer costs it 0); all idle: one xPU task, as without co-processing
            if (sides[s].length == 0 || (s == 0 && dec.pimExperts().length > 0 && Arrays.stream(sides[s]).allMatch(e -> tok[e] == 0))) {
                continue;
            }
            long[] st = new long[sides[s].length];
            List<io.moesim.ir.WeightFormat> sf = fmt == null ? null : new ArrayList<>();
            for (int k = 0; k < st.length; k++) {
                st[k] = tok[sides[s][k]];
                if (sf != null) {
                    sf.add(fmt.get(sides[s][k]));
                }
            }
            ExpertFfn op = ExpertCoprocessor.subset(shape, st, sf);
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

    /** The experts rank {@code j} holds, ascending ({@code rank[e]} is expert e's rank). */
    private static int[] expertsOf(int[] rank, int j) {
        IntArrayList own = new IntArrayList();
        for (int e = 0; e < rank.length; e++) {
            if (rank[e] == j) {
                own.add(e);
            }
        }
        return own.toIntArray();
    }
}
