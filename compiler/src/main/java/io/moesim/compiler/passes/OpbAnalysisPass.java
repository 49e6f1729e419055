package io.moesim.compiler.passes;

import io.moesim.compiler.StagedPass;
import io.moesim.compiler.PassContext;
import io.moesim.compiler.Program;
import io.moesim.compiler.Stage;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Node;
import io.moesim.ir.op.Collective;
import io.moesim.ir.op.Repeat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Annotates every compute node of the per-device graph with FLOPs, minimum DRAM bytes, Op/B, the
 * predicted time on each processor of the device (through the context's cost model) and which side
 * of the roofline it sits on. Collectives and repeat nodes are skipped: they run on links.
 */
public final class OpbAnalysisPass extends StagedPass {
    public static final String NAME = "analyze";

    public OpbAnalysisPass() {
        super(NAME, Set.of(Stage.VERIFIED), Set.of(Stage.ANALYZED));
    }




    @Override
    public Program run(Program in, PassContext ctx) {
        DeviceSpec dev = in.system().device();
        Map<String, String> sections = in.fact(ParallelLayout.class).map(ParallelLayout::sections).orElseGet(() -> Sections.of(in.graph()));
        Map<String, Long> times = new HashMap<>();
        List<OpFigures> out = new ArrayList<>();
        for (GraphWalk.Site s : GraphWalk.sites(in.graph())) {
            Node n = s.node();
            long t = multiplicity(s.path(), times);
            if (n.op() instanceof Repeat r) {
                times.put(s.path(), t * r.count());
                continue;
            }
            if (n.op() instanceof Collective) {
                continue;
            }
            List<TensorType> inputs = s.inputs();
            Map<String, Double> secs = new LinkedHashMap<>();
            String fastest = null;
            double best = Double.POSITIVE_INFINITY;
            for (ProcessorSpec p : dev.processorList()) {
                double sec = ctx.costModel().seconds(n.op(), inputs, dev, p);
                secs.put(p.name(), sec);
                if (sec < best) {
                    best = sec;
                    fastest = p.name();
                }
            }
            if (fastest == null) {
                fastest = dev.primary().name();
            }
            long flops = n.op().flops(inputs);
            var traffic = n.op().traffic(inputs);
            String bound = flops == 0 && traffic.total() == 0 ? "none"
                    : RooflineCostModel.bound(n.op(), inputs, dev, dev.processor(fastest).orElseThrow()).name();
            out.add(new OpFigures(s.path(), n.op().mnemonic(), sections.getOrDefault(s.path(), Sections.ATTENTION), t, flops, traffic,
                    n.op().opPerByte(inputs), secs, fastest, bound));
        }
        return in.with(OpbAnalysis.class, new OpbAnalysis(out));
    }

    /** Executions of a node: the product of the counts of the repeats around it. */
    static long multiplicity(String path, Map<String, Long> repeatTimes) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? 1 : repeatTimes.getOrDefault(path.substring(0, slash), 1L);
    }
}
