package io.moesim.ir.model;

import io.moesim.ir.MoesimException;

/** A bad model name, model config, config.json, routing spec or routing trace; the message says where. */
public class ModelException extends MoesimException {
    private static final long serialVersionUID = 1L;

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
