/**
 * A pure-Java fp32 reference executor of the IR's ops and of one transformer block (GEMM, grouped
 * GEMM, attention, RMSNorm, softmax, router, MoE layer), against which GPU outputs are checked.
 * Plain arithmetic on {@code Matrix}: no GPU, simulator or hardware model here.
 */
package io.moesim.validation.reference;
