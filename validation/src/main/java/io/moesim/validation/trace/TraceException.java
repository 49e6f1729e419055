package io.moesim.validation.trace;

import io.moesim.ir.MoesimException;

/** A corrupt measurement trace: the message is one line, {@code file:line: reason}. */
public final class TraceException extends MoesimException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;

    public TraceException(String file, int line, String reason) {
        super(file + ":" + line + ": " + reason);
        this.file = file;
        this.line = line;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }
}
