package io.moesim.ir.op;

import io.moesim.ir.MoesimException;

/** A missing, unknown or ill-typed op attribute; the parser adds the file position. */
public class AttrException extends MoesimException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public AttrException(String key, String message) {
        super(message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
