/**
 * The immutable SSA graph: {@code Graph}, {@code Node}, {@code Value}, {@code Block} (repeat
 * bodies), {@code GraphBuilder} for building and editing, {@code Verifier} collecting every
 * problem before throwing once, and {@code GraphStats} totals through repeats. Graphs never change
 * after {@code build()}; edits go through {@code toBuilder()}.
 */
package io.moesim.ir.graph;
