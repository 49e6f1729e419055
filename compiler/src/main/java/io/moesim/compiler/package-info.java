/**
 * The compiler's framework and front door: {@code Compiler.compile} (graph + system +
 * {@code CompileOptions} to a hardware plan), {@code Pass}, {@code StagedPass}, {@code Stage}, the
 * immutable {@code Program} that flows through the {@code Pipeline}, and {@code PassContext}. Must
 * not depend on the simulator; cycle-level figures reach the compiler only through the
 * {@code CostModel} interface.
 */
package io.moesim.compiler;
