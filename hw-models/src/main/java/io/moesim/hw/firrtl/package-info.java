/**
 * FIRRTL export of hardware blocks: a FIRRTL 4 syntax tree, its writer ({@code FirrtlWriter}) and
 * the generators of the Logic-PIM GEMM module, the MAC array and the command sequencer, entered
 * through {@code FirrtlExport}. Parameters are validated records; the simulator's cycle models may
 * read them, but this package depends on nothing above {@code io.moesim.hw}.
 */
package io.moesim.hw.firrtl;
