package io.moesim.cli;

import io.moesim.ir.MoesimException;

/** A backend that cannot run on this machine (no GPU, no driver): exit code 3. */
public class UnavailableException extends MoesimException {
    private static final long serialVersionUID = 1L;

    public UnavailableException(String message) {
        super(message);
    }
}
