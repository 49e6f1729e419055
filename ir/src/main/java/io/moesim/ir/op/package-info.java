/**
 * The ops of the IR: the sealed interface {@code Op}, one immutable record per op with its type
 * inference, FLOPs and minimum DRAM traffic (so Op/B), ordered attributes ({@code Attrs}) and the
 * parser's table ({@code OpRegistry}). An op holds only attributes, never operands or hardware
 * figures; adding one means a record here, its place in {@code Op}'s {@code permits} list and an
 * {@code OpRegistry} entry.
 */
package io.moesim.ir.op;
