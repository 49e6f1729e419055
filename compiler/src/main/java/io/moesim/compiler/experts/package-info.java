/**
 * Expert placement over the devices of an expert-parallel group: the problem
 * ({@code PlacementProblem}, from {@code RoutingStats}), the policies ({@code ExpertPlacer}:
 * round-robin, greedy, and {@code IlpExpertPlacer} on OR-Tools CP-SAT) and a deterministic local
 * search. OR-Tools is used here and nowhere else in moesim.
 */
package io.moesim.compiler.experts;
