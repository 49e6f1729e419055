package io.moesim.compiler;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Runs passes in order. Before each pass it checks that the stages the pass requires have been
 * provided; after each pass it records the pass's wall time and, when asked, hands the graph to a dump
 * sink ({@code --dump-after=PASS}). Each pass's output graph is verified: a {@link io.moesim.ir.graph.Graph}
 * can only be made through {@code Graph.of}, which runs the {@link io.moesim.ir.graph.Verifier}.
 */
public final class Pipeline {
    private final List<Pass> passes;

    /** Wall time of each pass of the last run, in run order. */
    public record Timing(String pass, long nanos) {
    }

    public Pipeline(List<Pass> passes) {
        this.passes = List.copyOf(passes);
        checkOrder();
    }

    public List<Pass> passes() {
        return passes;
    }

    /** Statically checks that every pass's requirements are met by earlier passes. */
    private void checkOrder() {
        Set<Stage> have = EnumSet.noneOf(Stage.class);
        for (Pass p : passes) {
            for (Stage s : p.requires()) {
                if (!have.contains(s)) {
                    throw new CompilerException(p.name(), "requires stage " + s + ", which no earlier pass provides");
                }
            }
            have.addAll(p.provides());
        }
    }

    /** Result of a run: the final program and the per-pass timings. */
    public record Result(Program program, List<Timing> timings) {
    }

    public Result run(Program start, PassContext ctx, String dumpAfter, BiConsumer<String, Program> dumpSink) {
        if (dumpAfter != null && passes.stream().noneMatch(p -> p.name().equals(dumpAfter))) {
            List<String> names = new ArrayList<>();
            passes.forEach(p -> names.add(p.name()));
            throw new CompilerException("", "--dump-after: unknown pass '" + dumpAfter + "' (passes: " + String.join(", ", names) + ")");
        }
        Program p = start;
        List<Timing> timings = new ArrayList<>();
        for (Pass pass : passes) {
            for (Stage s : pass.requires()) {
                if (!p.has(s)) {
                    throw new CompilerException(pass.name(), "requires stage " + s + ", which the program has not reached");
                }
            }
            long t0 = System.nanoTime();
            // A pass's output graph was verified when it was built (a Graph exists only through Graph.of, which
            // verifies); verifying it here again cost a tenth of a serving run's CPU (issue 16).
            Program out = pass.run(p, ctx).withStages(pass.provides());
            timings.add(new Timing(pass.name(), System.nanoTime() - t0));
            p = out;
            if (pass.name().equals(dumpAfter) && dumpSink != null) {
                dumpSink.accept(pass.name(), p);
            }
        }
        return new Result(p, timings);
    }

    /** Timings as an ordered map, milliseconds. */
    public static Map<String, Double> millis(List<Timing> timings) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Timing t : timings) {
            m.put(t.pass(), t.nanos() / 1e6);
        }
        return m;
    }
}
