package io.moesim.ir.text;

import io.moesim.ir.MoesimException;

/**
 * A syntax or attribute error in {@code .moeir} text. The message is one line,
 * {@code file:line:col: what was expected, and what was found}.
 */
public class MoeirParseException extends MoesimException {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final int line;
    private final int column;
    private final String detail;

    public MoeirParseException(String file, int line, int column, String detail) {
        this(file, line, column, detail, null);
    }

    public MoeirParseException(String file, int line, int column, String detail, Throwable cause) {
        super(file + ":" + line + ":" + column + ": " + detail, cause);
        this.file = file;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    public String file() {
        return file;
    }

    /** 1-based line. */
    public int line() {
        return line;
    }

    /** 1-based column, counted in chars. */
    public int column() {
        return column;
    }

    /** The message without its position. */
    public String detail() {
        return detail;
    }
}
