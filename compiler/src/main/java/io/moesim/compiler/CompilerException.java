package io.moesim.compiler;

import io.moesim.ir.MoesimException;

/** A problem found while compiling: names the pass and, where there is one, the node. */
public class CompilerException extends MoesimException {
    private static final long serialVersionUID = 1L;

    public CompilerException(String pass, String message) {
        super(pass == null || pass.isEmpty() ? message : pass + ": " + message);
    }
}
