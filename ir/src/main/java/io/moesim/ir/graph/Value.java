package io.moesim.ir.graph;

import io.moesim.ir.TensorType;

/** An SSA value: defined once (a graph or block parameter, or a node result), named uniquely in its graph. */
public record Value(String name, TensorType type) {
    public Value {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("value name must not be empty");
        }
    }

    @Override
    public String toString() {
        return "%" + name;
    }
}
