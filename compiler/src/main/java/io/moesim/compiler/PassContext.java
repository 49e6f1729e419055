package io.moesim.compiler;

import io.moesim.compiler.cost.CostModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What passes share besides the program: the options, the cost model and a log of notes for the summary. */
public final class PassContext {
    private final CompileOptions options;
    private final CostModel costModel;
    private final List<String> notes = new ArrayList<>();

    public PassContext(CompileOptions options, CostModel costModel) {
        this.options = options;
        this.costModel = costModel;
    }

    public CompileOptions options() {
        return options;
    }

    public CostModel costModel() {
        return costModel;
    }

    /** A line for the compile summary (a solver's gap, a fallback taken). */
    public void note(String line) {
        notes.add(line);
    }

    public List<String> notes() {
        return Collections.unmodifiableList(notes);
    }
}
