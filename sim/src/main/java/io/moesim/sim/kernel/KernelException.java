package io.moesim.sim.kernel;

import io.moesim.ir.MoesimException;

/** A kernel-level request that cannot be estimated: a bad {@code moesim op} key, or an op a processor cannot run. */
public class KernelException extends MoesimException {
    private static final long serialVersionUID = 1L;

    public KernelException(String message) {
        super(message);
    }
}
