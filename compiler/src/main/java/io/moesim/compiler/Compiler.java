package io.moesim.compiler;

import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.passes.Passes;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.graph.Graph;
import java.util.List;
import java.util.function.BiConsumer;

/** The compiler's front door: graph + system + options → hardware plan, through the standard pipeline. */
public final class Compiler {
    private Compiler() {
    }

    /** The outcome of one compilation. */
    public record Result(HardwarePlan plan, Program program, List<Pipeline.Timing> timings, List<String> notes) {
    }

    /**
     * Compiles one iteration's graph for a system.
     *
     * @param dumpAfter a pass name whose output graph goes to {@code dumpSink}, or null
     */
    public static Result compile(Graph graph, SystemSpec system, CompileOptions options, CostModel costModel, String dumpAfter,
            BiConsumer<String, Program> dumpSink) {
        PassContext ctx = new PassContext(options, costModel);
        Pipeline.Result r = Passes.pipeline().run(Program.of(graph, system), ctx, dumpAfter, dumpSink);
        HardwarePlan plan = r.program().require(HardwarePlan.class, "compile");
        return new Result(plan, r.program(), r.timings(), ctx.notes());
    }

    public static Result compile(Graph graph, SystemSpec system, CompileOptions options, CostModel costModel) {
        return compile(graph, system, options, costModel, null, null);
    }

    /** Names of the standard passes, in order (for {@code --dump-after}'s help). */
    public static List<String> passNames() {
        return Passes.standard().stream().map(Pass::name).toList();
    }
}
