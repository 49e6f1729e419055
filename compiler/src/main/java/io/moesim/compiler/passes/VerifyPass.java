package io.moesim.compiler.passes;

import io.moesim.compiler.CompilerException;
import io.moesim.compiler.StagedPass;
import io.moesim.compiler.PassContext;
import io.moesim.compiler.Program;
import io.moesim.compiler.Stage;
import io.moesim.ir.graph.VerificationException;
import io.moesim.ir.graph.Verifier;
import java.util.Set;

/** Verifies the input graph (types, SSA, routed-token conservation) before anything relies on it. */
public final class VerifyPass extends StagedPass {
    public static final String NAME = "verify";

    public VerifyPass() {
        super(NAME, Set.of(), Set.of(Stage.VERIFIED));
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
