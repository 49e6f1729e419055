package io.moesim.validation.reference;

/** One expert of an MoE layer: maps its tokens {@code [t, h]} to {@code [t, h]}. */
@FunctionalInterface
public interface Expert {
    Matrix apply(Matrix tokens);
}
