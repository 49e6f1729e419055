/**
 * PIM kernel models: ops on Logic-PIM, BankGroup-PIM and Bank-PIM as weights streamed from the
 * DRAM arrays ({@code PimKernelModel}), the bank-bundle read stream ({@code BundleStream}) and the
 * cycle model of the exported Logic-PIM GEMM module ({@code PimGemmModuleSim}). Reads the FIRRTL
 * block parameters but never generates hardware.
 */
package io.moesim.sim.kernel.pim;
