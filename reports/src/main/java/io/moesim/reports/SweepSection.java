package io.moesim.reports;

/** A sweep table and the two metrics its Pareto front is drawn over. */
public record SweepSection(SweepTable table, ParetoSpec pareto) {
}
