package io.moesim.compiler.passes;

import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.StagedPass;
import io.moesim.compiler.PassContext;
import io.moesim.compiler.Program;
import io.moesim.compiler.Stage;
import java.util.Locale;
import java.util.Set;

/** Chooses how communication overlaps computation (see {@link Schedule}); lowering applies it. */
public final class SchedulePass extends StagedPass {
    public static final String NAME = "schedule";

    public SchedulePass() {
        super(NAME, Set.of(Stage.PARALLELIZED), Set.of(Stage.SCHEDULED));
    }




    @Override
    public Program run(Program in, PassContext ctx) {
        Overlap o = ctx.options().overlap();
        int tiles = o == Overlap.TILE || o == Overlap.FUSED ? ctx.options().tiles() : 1;
        if (o == Overlap.TILE) {
            ctx.note(() -> String.format(Locale.ROOT, "overlap: tile, MoE blocks cut into up to %d tiles by expert group", tiles));
        } else if (o == Overlap.FUSED) {
            ctx.note(() -> String.format(Locale.ROOT, "overlap: fused, each MoE block one persistent kernel of up to %d tiles with device-initiated puts", tiles));
        }
        return in.with(Schedule.class, new Schedule(o, tiles));
    }
}
