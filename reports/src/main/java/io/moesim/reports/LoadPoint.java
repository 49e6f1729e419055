package io.moesim.reports;

/** One serving run at one offered load: what came out and how long it took. */
public record LoadPoint(double requestRate, double throughputTokensPerS, double latencyMs) {
}
