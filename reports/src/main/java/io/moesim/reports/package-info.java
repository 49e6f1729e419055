/**
 * Offline HTML reports with SVG charts (roofline with ops placed, per-layer time breakdown,
 * utilisation, throughput against latency, sweep Pareto front): {@code Reports.fromFiles} reads
 * result files (a simulate JSON, a sweep CSV, a trace) into a {@code ReportData},
 * {@code Reports.write} renders it. Reads a sweep's output as a file and must not depend on the
 * sweep, validation or CLI modules.
 */
package io.moesim.reports;
