package io.moesim.compiler.passes;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.CompilerException;
import io.moesim.compiler.StagedPass;
import io.moesim.compiler.PassContext;
import io.moesim.compiler.Program;
import io.moesim.compiler.Stage;
import io.moesim.compiler.experts.ExpertPlacer;
import io.moesim.compiler.experts.PlacementProblem;
import io.moesim.compiler.experts.PlacementResult;
import io.moesim.compiler.experts.RoutingStats;
import io.moesim.hw.SystemSpec;
import it.unimi.dsi.fastutil.ints.IntImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Spreads each MoE layer's experts over its expert-parallel group (rr | greedy | ilp). Without a
 * routing trace every layer routes as the graph says, so one placement serves all layers; with a
 * trace each layer has its own loads and, for the ILP, the transitions from the layer before.
 * Each device holds experts/ep experts (its memory share). The ILP's wall time is split over the
 * layers it solves.
 */
public final class ExpertPlacementPass extends StagedPass {
    public static final String NAME = "place-experts";

    public ExpertPlacementPass() {
        super(NAME, Set.of(Stage.PARALLELIZED), Set.of(Stage.EXPERTS_PLACED));
    }




    @Override
    public Program run(Program in, PassContext ctx) {
        ParallelLayout layout = in.require(ParallelLayout.class, NAME);
        CompileOptions o = ctx.options();
        List<Integer> layers = MoeLayers.enumerate(in.graph(), layout);
        String policy = o.expertPlacement().name().toLowerCase(Locale.ROOT);
        if (layers.isEmpty()) {
            return in.with(ExpertAssignment.class, new ExpertAssignment(policy, List.of(), List.of(), List.of()));
        }
        int ep = layout.moe().ep();
        RoutingStats trace = null;
        if (o.routingTrace() != null) {
            trace = RoutingStats.read(o.routingTrace());
            MoeBlock b0 = layout.moeBlocks().get(layers.get(0));
            if (trace.experts() != b0.experts() || trace.topK() != b0.topK()) {
                throw new CompilerException(NAME, "routing trace has " + trace.experts() + " experts top-" + trace.topK() + ", the model "
                        + b0.experts() + " top-" + b0.topK());
            }
        }
        double[][] weights = pairWeights(in.system(), layout);
        int solves = trace == null ? 1 : layers.size();
        ExpertPlacer placer = ExpertPlacer.of(o.expertPlacement(), Math.max(0.05, o.ilpTimeLimitSeconds() / solves), o.seed());
        List<int[]> ranks = new ArrayList<>();
        List<long[]> tokens = new ArrayList<>();
        double solveSeconds = 0;
        double worstGap = 0;
        int optimal = 0;
        int[] prev = null;
        for (int l = 0; l < layers.size(); l++) {
            MoeBlock b = layout.moeBlocks().get(layers.get(l));
            long copies = 0;
            for (int e = 0; e < b.globalTokens().size(); e++) {
                copies += b.globalTokens().getLong(e);
            }
            long[] t = trace == null ? b.globalTokens().toLongArray() : RoutingStats.apportion(trace.loadsOf(l), copies);
            tokens.add(t);
            if (trace == null && l > 0) {
                ranks.add(ranks.get(0));
                continue;
            }
            double[] loads = new double[t.length];
            for (int e = 0; e < t.length; e++) {
                loads[e] = trace == null ? t[e] : trace.loadsOf(l)[e];
            }
            double[][] trans = trace == null || prev == null ? null : trace.transitionsInto(l);
            PlacementProblem p = new PlacementProblem(loads, ep, b.experts() / ep, trans == null ? null : prev, trans, weights, 1.0);
            PlacementResult r = placer.place(p);
            solveSeconds += r.seconds();
            worstGap = Math.max(worstGap, r.gap());
            optimal += "optimal".equals(r.status()) ? 1 : 0;
            ranks.add(r.assign());
            prev = r.assign();
            if (l == 0 || trace != null && l == layers.size() - 1) {
                int layer = l;
                ctx.note(() -> String.format(Locale.ROOT, "experts (%s) layer %d: max device load %.1f tokens, max pair traffic %.1f, objective %.1f (%s)",
                        policy, layer, p.maxLoad(r.assign()), p.maxPairTraffic(r.assign()), r.objective(), r.status()));
            }
        }
        if (o.expertPlacement() == CompileOptions.ExpertPlacement.ILP) {
            ctx.note(String.format(Locale.ROOT, "experts (ilp): %d solve(s) in %.3f s, %d optimal, worst gap %.3f%%", solves, solveSeconds, optimal,
                    100 * worstGap));
        }
        return in.with(ExpertAssignment.class, new ExpertAssignment(policy, ranks, tokens, layers));
    }

    /** Link weight of each pair of EP ranks (best bandwidth ÷ this pair's), from device 0's group. */
    static double[][] pairWeights(SystemSpec sys, ParallelLayout layout) {
        int ep = layout.moe().ep();
        IntImmutableList members = new DeviceGroup(layout.moe().tp(), ep).members(0, layout.stageDevices());
        double intra = sys.intraNodePeerBandwidthGBps();
        double inter = sys.interNodeLink().map(l -> l.bandwidthPerDeviceGBps()).orElse(intra);
        double best = Math.max(intra, inter);
        double[][] w = new double[ep][ep];
        for (int a = 0; a < ep; a++) {
            for (int b = 0; b < ep; b++) {
                boolean sameNode = members.getInt(a) / sys.devicesPerNode() == members.getInt(b) / sys.devicesPerNode();
                double bw = sameNode ? intra : inter;
                w[a][b] = bw > 0 ? best / bw : 1;
            }
        }
        return w;
    }
}
