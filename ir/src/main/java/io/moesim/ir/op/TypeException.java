package io.moesim.ir.op;

import io.moesim.ir.MoesimException;

/** An op applied to operands of the wrong count, dtype or shape; the verifier adds the node. */
public class TypeException extends MoesimException {
    private static final long serialVersionUID = 1L;

    public TypeException(String message) {
        super(message);
    }
}
