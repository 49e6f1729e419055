package io.moesim.cli;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DerivedFigures;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.op.Collective;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code moesim roofline}: each op's Op/B against each processor's ridge point, the bound on each
 * processor, and the processor whose roofline time is lowest (on one device: the graph is not
 * parallelised here; `compile` does that).
 */
@Command(name = "roofline", mixinStandardHelpOptions = true,
        description = {"Each op's Op/B against each processor's ridge point on one device of the system:",
            "the bound (compute or memory) and time on every processor, and the processor whose roofline time is lowest."})
final class RooflineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GraphOptions graph;

    @Option(names = "--system", required = true, paramLabel = "ID", description = "A system (see 'moesim systems') or a target id.")
    String system;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE", description = "Override one spec figure (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        SystemSpec sys = Systems.load(system, sets);
        DeviceSpec dev = sys.device();
        Graph g = GraphGenerator.generate(graph.request());
        List<ProcessorSpec> procs = dev.processorList();
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("op", "kind", "runs", "Op/B"));
        for (ProcessorSpec p : procs) {
            header.add(p.name() + " us");
            header.add(p.name() + " bound");
        }
        header.add("best");
        TextTable t = new TextTable(header);
        for (OpTable.Row r : OpTable.rows(g)) {
            if (r.node().op() instanceof Collective) {
                continue;
            }
            List<String> cells = new ArrayList<>(List.of(r.name(), r.node().op().mnemonic(), Long.toString(r.times()), ModelCommands.fmt(r.opPerByte())));
            Map<String, Object> jr = new LinkedHashMap<>();
            jr.put("op", r.name());
            jr.put("kind", r.node().op().mnemonic());
            jr.put("runs", r.times());
            jr.put("flops", r.flops());
            jr.put("bytes", r.bytes());
            jr.put("op_per_byte", r.opPerByte());
            Map<String, Object> per = new LinkedHashMap<>();
            String best = null;
            double bestT = Double.POSITIVE_INFINITY;
            for (ProcessorSpec p : procs) {
                RooflineCostModel.Bound b = RooflineCostModel.bound(r.node().op(), r.inputs(), dev, p);
                double us = b.seconds() * 1e6;
                cells.add(ModelCommands.fmt(us));
                cells.add(b.name());
                Map<String, Object> pj = new LinkedHashMap<>();
                pj.put("time_us", us);
                pj.put("bound", b.name());
                pj.put("ridge_op_per_byte", DerivedFigures.ridgeOpPerByte(dev, p, RooflineCostModel.computeDType(r.node().op(), r.inputs())).orElse(null));
                per.put(p.name(), pj);
                if (us < bestT) {
                    bestT = us;
                    best = p.name();
                }
            }
            cells.add(best);
            jr.put("processors", per);
            jr.put("best", best);
            rows.add(jr);
            t.row(cells);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", g.name());
            j.put("system", sys.id());
            j.put("device", dev.id());
            Map<String, Object> ridges = new LinkedHashMap<>();
            for (ProcessorSpec p : procs) {
                ridges.put(p.name(), DerivedFigures.ridgeOpPerByte(dev, p));
            }
            j.put("ridge_op_per_byte", ridges);
            j.put("ops", rows);
            out.print(Json.write(j));
            return 0;
        }
        out.printf(Locale.ROOT, "%s on one %s device of %s%n", g.name(), dev.id(), sys.id());
        for (ProcessorSpec p : procs) {
            out.printf(Locale.ROOT, "  %s: ridge %s Op/B (bf16/fp16), sees %.0f GB/s%n", p.name(),
                    ModelCommands.fmt(DerivedFigures.ridgeOpPerByte(dev, p, io.moesim.ir.DType.BF16)
                            .or(() -> DerivedFigures.ridgeOpPerByte(dev, p, io.moesim.ir.DType.FP16)).orElse(0.0)),
                    DerivedFigures.bandwidthSeenGBps(dev, p));
        }
        out.println();
        out.print(t.render());
        return 0;
    }
}
