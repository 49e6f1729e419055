/**
 * The IR's basic vocabulary: element types ({@code DType}), shapes and tensor types, and
 * {@code MoesimException}, the one unchecked root of every error a user sees. The foundation of
 * every module: nothing here knows of hardware, the compiler or the simulator, and no code here
 * prints.
 */
package io.moesim.ir;
