package io.moesim.sim.system;

import io.moesim.compiler.passes.FusedMoe;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.op.Collective;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.Recv;
import io.moesim.ir.op.Send;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.ints.IntImmutableList;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import it.unimi.dsi.fastutil.objects.Object2IntLinkedOpenHashMap;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plan turned into flat arrays the executor runs without lookups: durations, dependency counts,
 * successors, the processor resource of each compute task and the collective instance of each
 * transfer. Built once per plan and reusable for any number of runs.
 *
 * <p>Semantics. A task of stream s on processor p of device d runs after its dependencies and after
 * the previous task of the same (d, p, s) stream (streams are in-order queues, as CUDA streams).
 * Collective tasks are matched across devices the way communicators match calls: the k-th task of
 * device d with group G joins instance k of G; an instance starts when all its member tasks are ready
 * and all its members' link ports are free.
 */
public final class PreparedPlan {
    /** Port index of the intra-node link of device d is 2d, of the inter-node link 2d+1. */
    public static final int PORTS_PER_DEVICE = 2;

    private final HardwarePlan plan;
    private final SystemSpec system;
    private final int devices;
    final int[] depCount;
    final int[] succStart;
    final int[] succ;
    final long[] duration;
    /** ≥ 0: processor resource of a compute task; < 0: −1 − collective instance. */
    final int[] resource;
    final String[] resourceName;
    final int[] resourceDevice;
    final String[] resourceProcessor;
    final int[] instanceMembers;
    final CollectiveCost[] instanceCost;
    final int[][] instancePorts;
    final int[][] instanceTasks;
    /** Compute tasks inside a fused MoE kernel after its first: timed without their per-call overhead. */
    final boolean[] launchFree;
    /** How long an instance holds its members' ports: its duration, or for a device-initiated put its bytes' time only. */
    final long[] instancePortPs;

    public PreparedPlan(HardwarePlan plan, SystemSpec system, TaskTimer timer, CollectiveModel collectives) {
        this.plan = plan;
        this.system = system;
        List<Task> tasks = plan.tasks();
        int n = tasks.size();
        int maxDevice = Math.max(plan.devices(), system.devices()) - 1;
        for (Task t : tasks) {
            maxDevice = Math.max(maxDevice, t.device());
        }
        devices = maxDevice + 1;
        depCount = new int[n];
        duration = new long[n];
        resource = new int[n];
        launchFree = new boolean[n];
        boolean fused = FusedMoe.fused(plan);
        java.util.Set<Long> kernelStarted = new java.util.HashSet<>();

        // implicit in-order stream edges, then successor lists in CSR form
        // processor names interned to small indices so stream and resource keys are longs, not strings
        Object2IntLinkedOpenHashMap<String> procIndex = new Object2IntLinkedOpenHashMap<>();
        procIndex.defaultReturnValue(-1);
        procIndex.put("link", 0);
        Long2IntOpenHashMap lastInStream = new Long2IntOpenHashMap();
        lastInStream.defaultReturnValue(-1);
        int[][] deps = new int[n][];
        int[] outDegree = new int[n];
        for (Task t : tasks) {
            IntArrayList d = new IntArrayList(t.deps());
            String proc = isTransfer(t) ? "link" : t.processor();
            int pi = procIndex.getInt(proc);
            if (pi < 0) {
                pi = procIndex.size();
                procIndex.put(proc, pi);
            }
            long streamKey = ((long) t.device() << 40) | ((long) pi << 24) | (t.stream() & 0xFFFFFFL);
            int prev = lastInStream.put(streamKey, t.id());
            if (prev >= 0 && !d.contains(prev)) {
                d.add(prev);
            }
            int[] arr = d.toIntArray();
            Arrays.sort(arr);
            int w = 0;
            for (int i = 0; i < arr.length; i++) {
                if (i == 0 || arr[i] != arr[i - 1]) {
                    arr[w++] = arr[i];
                }
            }
            deps[t.id()] = Arrays.copyOf(arr, w);
            depCount[t.id()] = w;
            for (int i = 0; i < w; i++) {
                outDegree[deps[t.id()][i]]++;
            }
        }
        succStart = new int[n + 1];
        for (int i = 0; i < n; i++) {
            succStart[i + 1] = succStart[i] + outDegree[i];
        }
        succ = new int[succStart[n]];
        int[] fill = Arrays.copyOf(succStart, n);
        for (int t = 0; t < n; t++) {
            for (int dep : deps[t]) {
                succ[fill[dep]++] = t;
            }
        }

        // processors and collective instances
        Long2IntOpenHashMap resources = new Long2IntOpenHashMap();
        resources.defaultReturnValue(-1);
        IntArrayList resDevice = new IntArrayList();
        List<String> resProc = new ArrayList<>();
        Object2IntOpenHashMap<String> callCount = new Object2IntOpenHashMap<>();
        Object2IntLinkedOpenHashMap<String> instances = new Object2IntLinkedOpenHashMap<>();
        List<IntArrayList> members = new ArrayList<>();
        for (Task t : tasks) {
            if (isTransfer(t)) {
                String group = groupKey(t);
                int k = callCount.addTo(t.device() + "@" + group, 1);
                String instKey = group + "#" + k;
                int inst = instances.getOrDefault(instKey, -1);
                if (inst < 0) {
                    inst = instances.size();
                    instances.put(instKey, inst);
                    members.add(new IntArrayList());
                }
                members.get(inst).add(t.id());
                resource[t.id()] = -1 - inst;
            } else {
                long key = ((long) t.device() << 32) | procIndex.getInt(t.processor());
                int r = resources.get(key);
                if (r < 0) {
                    r = resources.size();
                    resources.put(key, r);
                    resDevice.add(t.device());
                    resProc.add(t.processor());
                }
                resource[t.id()] = r;
                // a fused MoE block is one persistent kernel per device and layer: its first task pays the launch
                launchFree[t.id()] = fused && FusedMoe.inKernel(t) && !kernelStarted.add(kernelKey(t));
                duration[t.id()] = launchFree[t.id()] ? timer.inKernelPs(t.op(), t.inputs(), t.processor())
                        : timer.durationPs(t.op(), t.inputs(), t.processor());
            }
        }
        if (fused) {
            fusedGemms(tasks, timer, duration);
        }
        int nr = resources.size();
        resourceName = new String[nr];
        resourceDevice = new int[nr];
        resourceProcessor = new String[nr];
        for (int r = 0; r < nr; r++) {
            resourceDevice[r] = resDevice.getInt(r);
            resourceProcessor[r] = resProc.get(r);
            resourceName[r] = resourceDevice[r] + "/" + resourceProcessor[r];
        }
        int ni = members.size();
        instanceMembers = new int[ni];
        instanceCost = new CollectiveCost[ni];
        instancePorts = new int[ni][];
        instanceTasks = new int[ni][];
        instancePortPs = new long[ni];
        for (int i = 0; i < ni; i++) {
            int[] ts = members.get(i).toIntArray();
            instanceTasks[i] = ts;
            instanceMembers[i] = ts.length;
            Task first = tasks.get(ts[0]);
            int[] group = groupDevices(first, system);
            double linkBytes = 0;
            double tensorBytes = 0;
            for (int tid : ts) {
                Task t = tasks.get(tid);
                linkBytes = Math.max(linkBytes, t.linkBytes());
                tensorBytes = Math.max(tensorBytes, tensorBytes(t));
            }
            boolean put = fused && FusedMoe.devicePut(first);
            CollectiveCost c = fused && FusedMoe.deviceInitiated(first) ? collectives.costDeviceInitiated(first.op(), linkBytes, tensorBytes, group)
                    : collectives.cost(first.op(), linkBytes, tensorBytes, group);
            instanceCost[i] = c;
            instancePortPs[i] = put ? collectives.putPortPs(c, Math.max(linkBytes, tensorBytes)) : c.durationPs();
            IntArrayList ports = new IntArrayList();
            for (int tid : ts) {
                int d = tasks.get(tid).device();
                ports.add(PORTS_PER_DEVICE * d);
                if (c.usesInterNode()) {
                    ports.add(PORTS_PER_DEVICE * d + 1);
                }
            }
            int[] p = ports.toIntArray();
            Arrays.sort(p);
            instancePorts[i] = Arrays.stream(p).distinct().toArray();
            for (int tid : ts) {
                duration[tid] = c.durationPs();
            }
        }
    }

    /** The fused MoE kernel a task belongs to: its device and layer. */
    private static long kernelKey(Task t) {
        return ((long) t.device() << 32) | (t.layer() & 0xFFFFFFFFL);
    }

    /**
     * The expert GEMM tiles of one fused MoE kernel (device, layer, processor) run at the efficiency of the
     * device's whole expert workload: a persistent kernel keeps every SM busy with whichever tile is ready
     * (FlashMoE's tile parallelism), so cutting the work into tiles adds no wave quantisation or fill per
     * tile. Each tile gets the whole workload's in-kernel time in proportion to its own.
     */
    private static void fusedGemms(List<Task> tasks, TaskTimer timer, long[] duration) {
        java.util.Map<String, IntArrayList> groups = new java.util.LinkedHashMap<>();
        // the layer's top_k: a tile of fewer experts carries min(top_k, its experts), so only the kernel's
        // dispatch (which every tile of the layer keeps whole) says how many slots a token fills
        Long2IntOpenHashMap layerTopK = new Long2IntOpenHashMap();
        for (Task t : tasks) {
            if (!isTransfer(t) && t.op() instanceof ExpertFfn && FusedMoe.inKernel(t)) {
                groups.computeIfAbsent(t.device() + "/" + t.layer() + "/" + t.processor(), k -> new IntArrayList()).add(t.id());
            }
            if (!isTransfer(t) && t.op() instanceof Dispatch d && FusedMoe.inKernel(t)) {
                long kernel = kernelKey(t);
                layerTopK.put(kernel, Math.max(layerTopK.get(kernel), d.topK()));
            }
        }
        streamingTiles(tasks, timer, duration);
        for (IntArrayList g : groups.values()) {
            if (g.size() < 2) {
                continue;
            }
            Task first = tasks.get(g.getInt(0));
            ExpertFfn f0 = (ExpertFfn) first.op();
            List<ExpertFfn> parts = new java.util.ArrayList<>();
            long[] in = new long[g.size()];
            long sumIn = 0;
            for (int i = 0; i < g.size(); i++) {
                Task t = tasks.get(g.getInt(i));
                parts.add((ExpertFfn) t.op());
                in[i] = timer.inKernelPs(t.op(), t.inputs(), t.processor());
                sumIn += in[i];
            }
            if (sumIn == 0) {
                continue;
            }
            int topK = Math.max(f0.topK(), layerTopK.get(kernelKey(first)));
            ExpertFfn merged = ExpertFfn.concat(parts, topK); // each expert keeps its own format
            long rows = merged.totalTokens();
            if (rows == 0) {
                continue;
            }
            List<io.moesim.ir.TensorType> mergedIn = List.of(io.moesim.ir.TensorType.of(first.inputs().get(0).dtype(), rows, f0.hidden()));
            double factor = (double) timer.inKernelPs(merged, mergedIn, first.processor()) / sumIn;
            for (int i = 0; i < g.size(); i++) {
                int id = g.getInt(i);
                duration[id] = duration[id] - in[i] + Math.round(in[i] * factor);
            }
        }
    }

    /**
     * The dispatch (and combine) tiles of one fused MoE kernel are one pass over the device's tokens cut by
     * expert group: together they cost the whole block's dispatch (combine), each its share of the token
     * copies, rather than a full pass each (a tile's task reads the whole activation, as a separate kernel would).
     */
    private static void streamingTiles(List<Task> tasks, TaskTimer timer, long[] duration) {
        java.util.Map<String, IntArrayList> groups = new java.util.LinkedHashMap<>();
        for (Task t : tasks) {
            if (!isTransfer(t) && (t.op() instanceof Dispatch || t.op() instanceof Combine) && FusedMoe.inKernel(t)) {
                groups.computeIfAbsent(t.device() + "/" + t.layer() + "/" + t.processor() + "/" + t.op().mnemonic(), k -> new IntArrayList())
                        .add(t.id());
            }
        }
        for (IntArrayList g : groups.values()) {
            if (g.size() < 2) {
                continue;
            }
            Task first = tasks.get(g.getInt(0));
            long[] sum = null;
            long[] copies = new long[g.size()];
            long[] in = new long[g.size()];
            long all = 0;
            for (int i = 0; i < g.size(); i++) {
                Task t = tasks.get(g.getInt(i));
                it.unimi.dsi.fastutil.longs.LongList tok = t.op() instanceof Dispatch d ? d.tokens() : ((Combine) t.op()).tokens();
                if (sum == null) {
                    sum = new long[tok.size()];
                }
                if (tok.size() != sum.length || !t.inputs().equals(first.inputs())) {
                    return;
                }
                for (int e = 0; e < sum.length; e++) {
                    sum[e] += tok.getLong(e);
                    copies[i] += tok.getLong(e);
                }
                all += copies[i];
                in[i] = timer.inKernelPs(t.op(), t.inputs(), t.processor());
            }
            if (all == 0) {
                continue;
            }
            it.unimi.dsi.fastutil.longs.LongImmutableList merged = it.unimi.dsi.fastutil.longs.LongImmutableList.of(sum);
            io.moesim.ir.op.Op whole = first.op() instanceof Dispatch d ? new Dispatch(d.experts(), d.topK(), merged)
                    : new Combine(((Combine) first.op()).experts(), ((Combine) first.op()).topK(), merged);
            long wholePs = timer.inKernelPs(whole, first.inputs(), first.processor());
            for (int i = 0; i < g.size(); i++) {
                int id = g.getInt(i);
                duration[id] = duration[id] - in[i] + Math.round((double) wholePs * copies[i] / all);
            }
        }
    }

    static boolean isTransfer(Task t) {
        return t.op() instanceof Collective || t.isTransfer() || "link".equals(t.processor());
    }

    private static String groupKey(Task t) {
        if (t.op() instanceof Send s) {
            // one direction of a pair: a put from d to p never matches one from p to d
            return "send " + t.device() + ">" + s.peer();
        }
        IntImmutableList g = t.group();
        if (g.isEmpty()) {
            return "g" + t.device() + ":" + t.op().mnemonic();
        }
        int[] s = g.toIntArray();
        Arrays.sort(s);
        return Arrays.toString(s);
    }

    /** Member devices for costing; a plan that names no group gets g consecutive devices from the task's node. */
    private static int[] groupDevices(Task t, SystemSpec system) {
        if (!t.group().isEmpty()) {
            int[] s = t.group().toIntArray();
            Arrays.sort(s);
            return Arrays.stream(s).distinct().toArray();
        }
        int g = t.op() instanceof Collective c ? c.group() : 1;
        int base = (t.device() / system.devicesPerNode()) * system.devicesPerNode();
        int[] s = new int[g];
        for (int i = 0; i < g; i++) {
            s[i] = base + i;
        }
        return s;
    }

    private static double tensorBytes(Task t) {
        if (t.op() instanceof Recv r) {
            return r.type().bytes();
        }
        return t.inputs().isEmpty() ? 0 : t.inputs().get(0).bytes();
    }

    public HardwarePlan plan() {
        return plan;
    }

    public SystemSpec system() {
        return system;
    }

    public int devices() {
        return devices;
    }

    public int taskCount() {
        return duration.length;
    }

    public int resourceCount() {
        return resourceName.length;
    }

    public int portCount() {
        return devices * PORTS_PER_DEVICE;
    }

    public int instanceCount() {
        return instanceCost.length;
    }

    /** Duration of a task alone (compute: cost model; transfer: its collective's time). */
    public long durationPs(int task) {
        return duration[task];
    }

    public String resourceName(int r) {
        return resourceName[r];
    }

    public int resourceDevice(int r) {
        return resourceDevice[r];
    }

    public String resourceProcessor(int r) {
        return resourceProcessor[r];
    }

    /** −1 for a compute task, else the collective instance it belongs to. */
    public int instanceOf(int task) {
        return resource[task] < 0 ? -1 - resource[task] : -1;
    }

    public CollectiveCost instanceCost(int instance) {
        return instanceCost[instance];
    }

    /** Successors of a task (its dependants, stream order included). */
    public int[] successors(int task) {
        return Arrays.copyOfRange(succ, succStart[task], succStart[task + 1]);
    }

    /**
     * Length of the longest dependency chain with every task at its own duration and no resource
     * contention: no schedule can finish before it.
     */
    public long criticalPathPs() {
        return criticalPathPs(duration);
    }

    /**
     * The critical path with every compute task timed by another timer (collectives and dependencies
     * as prepared here): e.g. the roofline bound of a plan prepared with the kernel model, without
     * preparing it a second time.
     */
    public long criticalPathPs(TaskTimer timer) {
        long[] d = duration.clone();
        for (Task t : plan.tasks()) {
            if (resource[t.id()] >= 0) {
                d[t.id()] = launchFree[t.id()] ? timer.inKernelPs(t.op(), t.inputs(), t.processor()) : timer.durationPs(t.op(), t.inputs(), t.processor());
            }
        }
        if (FusedMoe.fused(plan)) {
            fusedGemms(plan.tasks(), timer, d);
        }
        return criticalPathPs(d);
    }

    private long criticalPathPs(long[] duration) {
        int n = duration.length;
        long[] finish = new long[n];
        long best = 0;
        long[] ready = new long[n];
        for (int t = 0; t < n; t++) {
            finish[t] = ready[t] + duration[t];
            best = Math.max(best, finish[t]);
            for (int i = succStart[t]; i < succStart[t + 1]; i++) {
                int s = succ[i];
                ready[s] = Math.max(ready[s], finish[t]);
            }
        }
        return best;
    }
}
