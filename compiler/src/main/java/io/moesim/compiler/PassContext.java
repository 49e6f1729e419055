package io.moesim.compiler;

import io.moesim.compiler.cost.CostModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/** What passes share besides the program: the options, the cost model and a log of notes for the summary. */
public final class PassContext {
    private final CompileOptions options;
    private final CostModel costModel;
    /** Formatted when read: a serving run compiles thousands of graphs and reads none of their notes. */
    private final List<Supplier<String>> notes = new ArrayList<>();

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
        notes.add(() -> line);
    }

    /** A line formatted only if the notes are read. */
    public void note(Supplier<String> line) {
        notes.add(line);
    }

    public List<String> notes() {
        List<String> out = new ArrayList<>(notes.size());
        for (Supplier<String> n : notes) {
            out.add(n.get());
        }
        return Collections.unmodifiableList(out);
    }
}
