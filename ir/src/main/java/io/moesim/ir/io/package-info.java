/**
 * File input and output every module shares: {@code AtomicFiles}, the one writer of every file moesim produces
 * (whole or not at all, renamed atomically), and {@code TextFiles}, the reader of input text with errors naming the
 * file. No other class opens an output file itself.
 */
package io.moesim.ir.io;
