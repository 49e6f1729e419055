package io.moesim.compiler.passes;

import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.StagedPass;
import io.moesim.compiler.PassContext;
import io.moesim.compiler.Program;
import io.moesim.compiler.Stage;
import io.moesim.compiler.placement.ExpertCoprocessor;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.graph.Node;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.Collective;
import io.moesim.ir.op.GatedDeltaNet;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Repeat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Puts each compute node on a processor of the device. {@code opb}: the lowest predicted time
 * (the cost model's; ties and free views go to the primary processor). {@code xpu-only} and
 * {@code pim-only}: one side (PIM where it can run the op). {@code coproc}: opb, plus Duplex's
 * attention co-processing (prefill attention on the xPU, decode attention on PIM, in parallel) and
 * expert co-processing (decided per device and layer from the actual tokens, see
 * {@link ExpertCoprocessor}). A device with one processor gets everything there.
 */
public final class ProcessorPlacementPass extends StagedPass {
    public static final String NAME = "place-processors";

    public ProcessorPlacementPass() {
        super(NAME, Set.of(Stage.ANALYZED), Set.of(Stage.PROCESSORS_PLACED));
    }




    @Override
    public Program run(Program in, PassContext ctx) {
        OpbAnalysis a = in.require(OpbAnalysis.class, NAME);
        DeviceSpec dev = in.system().device();
        Placement policy = ctx.options().placement();
        ProcessorSpec primary = dev.primary();
        ProcessorSpec pim = dev.pimProcessor().orElse(null);
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, OpFigures> figures = a.byPath();
        for (GraphWalk.Site s : GraphWalk.sites(in.graph())) {
            Node n = s.node();
            if (n.op() instanceof Repeat || n.op() instanceof Collective) {
                continue;
            }
            OpFigures f = figures.get(s.path());
            String p = primary.name();
            if (pim != null && f != null) {
                p = switch (policy) {
                    case XPU_ONLY -> primary.name();
                    case PIM_ONLY -> Double.isFinite(f.secondsByProcessor().getOrDefault(pim.name(), Double.POSITIVE_INFINITY))
                            && !"none".equals(f.bound()) ? pim.name() : primary.name();
                    case OPB -> fastest(f, primary.name());
                    case COPROC -> coproc(n, f, primary.name(), pim.name());
                };
            }
            out.put(s.path(), p);
        }
        ExpertCoprocessor cop = policy == Placement.COPROC ? ExpertCoprocessor.forDevice(ctx.costModel(), dev).orElse(null) : null;
        return in.with(ProcessorAssignment.class, new ProcessorAssignment(policy, out, cop));
    }

    private static String fastest(OpFigures f, String primary) {
        if ("none".equals(f.bound())) {
            return primary;
        }
        double best = f.secondsByProcessor().getOrDefault(primary, Double.POSITIVE_INFINITY);
        String p = primary;
        for (Map.Entry<String, Double> e : f.secondsByProcessor().entrySet()) {
            if (e.getValue() < best) {
                best = e.getValue();
                p = e.getKey();
            }
        }
        return p;
    }

    private static String coproc(Node n, OpFigures f, String xpu, String pim) {
        if (n.op() instanceof Attention at) {
            return at.isDecode() ? pim : xpu;
        }
        if (n.op() instanceof MlaAttention ml) {
            return ml.isDecode() ? pim : xpu;
        }
        if (n.op() instanceof GatedDeltaNet g) {
            return g.isDecode() ? pim : xpu; // the state read and written once per step: Op/B about 1.75
        }
        return fastest(f, xpu);
    }
}
