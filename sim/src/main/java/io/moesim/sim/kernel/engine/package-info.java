/**
 * GPU/xPU kernel models over the device's HBM model: GEMMs tile by tile ({@code GemmModel}),
 * flash-style attention ({@code AttentionModel}), memory-streaming kernels ({@code StreamModel})
 * and the MAC-array cycle model, sharing an {@code EngineContext}. Each returns a
 * {@code WorkBreakdown}; none caches or knows the plan.
 */
package io.moesim.sim.kernel.engine;
