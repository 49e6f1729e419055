package io.moesim.hw;

import io.moesim.ir.MoesimException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * All the problems of one spec load, thrown once. The message is one line: the first problem in
 * full, then the others after it, so the CLI can print it as it is.
 */
public final class SpecException extends MoesimException {
    private static final long serialVersionUID = 1L;

    private final transient List<SpecProblem> problems;

    public SpecException(List<SpecProblem> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    public SpecException(String file, String path, String message) {
        this(List.of(new SpecProblem(file, path, message)));
    }

    /** Every problem, in the order found. */
    public List<SpecProblem> problems() {
        return problems;
    }

    private static String format(List<SpecProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a SpecException needs at least one problem");
        }
        if (problems.size() == 1) {
            return problems.get(0).toString();
        }
        return problems.get(0) + " (and " + (problems.size() - 1) + " more: "
                + problems.subList(1, problems.size()).stream().map(SpecProblem::toString)
                        .collect(Collectors.joining("; "))
                + ")";
    }
}
