/**
 * The cost-model interface the compiler's decisions go through ({@code CostModel}: seconds of one
 * op on one processor) and its analytic implementation, {@code RooflineCostModel}. Depends only on
 * the IR and hardware specs; the simulator's kernel model implements the same interface from
 * outside.
 */
package io.moesim.compiler.cost;
