/**
 * Duplex's expert co-processing as a pure function ({@code ExpertCoprocessor}): from the tokens
 * each expert receives, which experts run on the xPU and which on Logic-PIM. Decides from
 * cost-model figures only; it neither compiles nor simulates.
 */
package io.moesim.compiler.placement;
