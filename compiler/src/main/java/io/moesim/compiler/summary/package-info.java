/**
 * What {@code moesim compile} shows: {@code CompileSummary} (per layer type the processors each op
 * kind runs on, link bytes, the Op/B histogram, memory) and its text form. Reads a finished
 * compilation; never prints (the CLI does).
 */
package io.moesim.compiler.summary;
