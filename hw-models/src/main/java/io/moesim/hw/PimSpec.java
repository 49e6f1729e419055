package io.moesim.hw;

import java.util.OptionalDouble;

/**
 * Where a PIM processor's units sit and how they read the DRAM arrays. Every PIM kind is described
 * as bundles of banks read together: Logic-PIM and BankGroup-PIM read a bundle of 8 banks (512
 * bits per access, 4 bundles per pseudo-channel); Bank-PIM's units sit in every bank, so its
 * "bundle" is one bank, read one burst at a time, and all banks of a pseudo-channel work at once
 * (derived from the memory organisation, not typed in).
 *
 * @param stacks              HBM stacks that carry PIM units
 * @param enginesPerStack     GEMM modules (or bank units) per stack
 * @param banksPerBundle      banks read together by one access
 * @param bundlesPerPseudoChannel bundles of one pseudo-channel read in parallel
 * @param bitsPerBundleAccess bits one bundle delivers per access (one access per tCCD_L)
 * @param tsvMultiplier       TSV count over a plain stack's (Logic-PIM only): caps the internal
 *                            bandwidth at this multiple of the stack's external bandwidth
 */
public record PimSpec(
        PimPlacement placement,
        int stacks,
        int enginesPerStack,
        int banksPerBundle,
        int bundlesPerPseudoChannel,
        int bitsPerBundleAccess,
        OptionalDouble tsvMultiplier) {
}
