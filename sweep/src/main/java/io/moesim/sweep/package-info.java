/**
 * Design-space sweeps: {@code Sweeps.run} reads a spec, expands its points, skips those the
 * crash-safe {@code ResultStore} already holds, runs the rest on a {@code SweepEngine} (embedded
 * by default) and writes CSV and Parquet tables. Engines see only {@code PointEvaluator};
 * {@code SimulatorEvaluator} maps a point to a {@code SimulationRequest}. Experiments as data
 * ({@code ExperimentSpecs}: a paper's configurations, ratios between roles, its figures with their
 * sources) run as one sweep through {@code Experiments.run}; built-in files are under
 * {@code src/main/resources/experiments/}. Must not depend on reports, validation or the CLI.
 */
package io.moesim.sweep;
