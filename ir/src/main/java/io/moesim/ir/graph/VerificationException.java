package io.moesim.ir.graph;

import io.moesim.ir.MoesimException;
import java.util.List;

/** Every problem the verifier found in a graph, thrown once. The message is one line: the first problem and a count. */
public class VerificationException extends MoesimException {
    private static final long serialVersionUID = 1L;
    private final transient List<Diagnostic> diagnostics;

    public VerificationException(List<Diagnostic> diagnostics) {
        super(summary(diagnostics));
        this.diagnostics = List.copyOf(diagnostics);
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    private static String summary(List<Diagnostic> ds) {
        String first = ds.get(0).toString();
        return ds.size() == 1 ? first : first + " (and " + (ds.size() - 1) + " more problem" + (ds.size() == 2 ? "" : "s") + ")";
    }
}
