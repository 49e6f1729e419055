/**
 * {@code moesim tune}: {@code DeploymentSearch} enumerates deployments (aggregated and disaggregated, layouts,
 * max batches, precisions) within a device budget, estimates each analytically from memoised iteration shapes and
 * confirms the best through a {@code Confirmer} (the serving loop, event by event, wide-EP pools included). The
 * sweep engine that runs the confirmations lives in {@code sweep/}; nothing here depends on it.
 */
package io.moesim.sim.tune;
