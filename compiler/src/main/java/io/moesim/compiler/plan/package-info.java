/**
 * The compiler's output and the simulator's input: {@code HardwarePlan} (tasks on processors and
 * links of every device, with dependencies and streams) and {@code DeviceMemory}, written by
 * {@code PlanJson} with a {@code schema_version} in a fixed key order. Plain data: no pass logic
 * and no simulation here.
 */
package io.moesim.compiler.plan;
