package io.moesim.reports;

import io.moesim.ir.MoesimException;

/** A report could not be read or written; the message names the file and what is wrong, on one line. */
public class ReportException extends MoesimException {
    private static final long serialVersionUID = 1L;

    public ReportException(String message) {
        super(message);
    }

    public ReportException(String message, Throwable cause) {
        super(message, cause);
    }
}
