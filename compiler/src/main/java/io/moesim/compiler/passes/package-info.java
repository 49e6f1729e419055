/**
 * The standard passes, in the order {@code Passes.standard()} gives (verify, parallelize, fuse,
 * analyze, place-experts, place-processors, plan-memory, schedule, lower), and the facts they
 * leave on the {@code Program} ({@code ParallelLayout}, {@code Fusions}, {@code OpbAnalysis},
 * {@code ExpertAssignment}, {@code ProcessorAssignment}, {@code MemoryPlan}, {@code Schedule}). A
 * pass never mutates its input and reports problems as {@code CompilerException} naming itself and
 * the node. Each op kind's sharding rule is in {@code ShardingRules} (applied by
 * {@code ParallelizePass}); MoE blocks are lowered by {@code MoeLowering} (for {@code LowerPass}).
 */
package io.moesim.compiler.passes;
