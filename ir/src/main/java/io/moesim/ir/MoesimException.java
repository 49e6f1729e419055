package io.moesim.ir;

/**
 * The one unchecked root of every error moesim reports to a user. Subclasses say where the problem
 * is (file:line:col, file + key path, pass + node, time + component); {@link #getMessage()} is a
 * complete one-line message that the CLI prints as it is before exiting with code 2.
 */
public class MoesimException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MoesimException(String message) {
        super(message);
    }

    public MoesimException(String message, Throwable cause) {
        super(message, cause);
    }
}
