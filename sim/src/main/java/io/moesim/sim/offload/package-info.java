/**
 * Experts that do not fit in HBM: {@code OffloadSpec} (the budget, the tier, the policy), {@code ExpertOffload}
 * (the HBM expert cache fetched from the tier iteration by iteration),
 * {@code OffloadRun} (how a serving run shares HBM under the budget, and the MoE-Lens-style upper bound beside its result) and {@code PregatedBatching} (Read-ME's
 * expert-aware batching with routing known ahead). Used by {@code Simulator} when {@code --offload} is given.
 */
package io.moesim.sim.offload;
