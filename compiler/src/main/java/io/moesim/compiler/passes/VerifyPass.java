package io.moesim.compiler.passes;

import io.moesim.compiler.CompilerException;
import io.moesim.compiler.Pass;
import io.moesim.compiler.PassContext;
import io.moesim.compiler.Program;
import io.moesim.compiler.Stage;
import io.moesim.ir.graph.VerificationException;
import io.moesim.ir.graph.Verifier;
import java.util.Set;

/** Verifies the input graph (types, SSA, routed-token conservation) before anything relies on it. */
public final class VerifyPass implements Pass {
    public static final String NAME = "verify";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Stage> requires() {
        return Set.of();
    }

    @Override
    public Set<Stage> provides() {
        return Set.of(Stage.VERIFIED);
    }

    @Override
    public Program run(Program in, PassContext ctx) {
        try {
            Verifier.verify(in.graph());
        } catch (VerificationException e) {
            throw new CompilerException(NAME, e.getMessage());
        }
        return in;
    }
}
