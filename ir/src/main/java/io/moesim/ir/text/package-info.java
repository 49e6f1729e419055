/**
 * The {@code .moeir} text format: {@code MoeirPrinter} writes canonical text and
 * {@code MoeirParser} reads it back to an equal, verified graph, with errors as
 * {@code file:line:col} ({@code MoeirParseException}). Op syntax comes from the ops themselves
 * ({@code OpRegistry}, {@code Attrs}), not from op-specific rules here.
 */
package io.moesim.ir.text;
