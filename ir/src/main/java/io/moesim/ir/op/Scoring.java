package io.moesim.ir.op;

/** How a router turns gate logits into expert scores. */
public enum Scoring {
    SOFTMAX,
    SIGMOID
}
