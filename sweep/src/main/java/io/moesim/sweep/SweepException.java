package io.moesim.sweep;

import io.moesim.ir.MoesimException;

/**
 * A sweep problem a user can fix: a bad spec (file + key path), an output folder that belongs to
 * another sweep, or a missing engine. The message is one line.
 */
public final class SweepException extends MoesimException {
    private static final long serialVersionUID = 1L;

    public SweepException(String message) {
        super(message.replaceAll("\\s*[\\r\\n]+\\s*", " "));
    }

    public SweepException(String message, Throwable cause) {
        super(message.replaceAll("\\s*[\\r\\n]+\\s*", " "), cause);
    }

    /** A problem at a key of a spec file: {@code FILE: KEY: MESSAGE}. */
    public static SweepException at(String file, String key, String message) {
        return new SweepException(key.isEmpty() ? file + ": " + message : file + ": " + key + ": " + message);
    }
}
