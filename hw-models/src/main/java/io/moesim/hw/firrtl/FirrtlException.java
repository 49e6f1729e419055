package io.moesim.hw.firrtl;

import io.moesim.ir.MoesimException;

/**
 * A FIRRTL export problem: bad generator parameters, or a syntax tree that cannot be written.
 * {@link #where()} names the block or module and the parameter or name at fault, and the message
 * repeats it so that the CLI can print the message alone.
 */
public final class FirrtlException extends MoesimException {
    private static final long serialVersionUID = 1L;

    private final String where;

    public FirrtlException(String where, String message) {
        super("firrtl: " + where + ": " + message);
        this.where = where;
    }

    /** The block and parameter (e.g. {@code mac-array.rows}) or the module and name at fault. */
    public String where() {
        return where;
    }
}
