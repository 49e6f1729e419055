/**
 * The {@code moesim} command on picocli: {@code Main} (exit codes 0/1/2/3, the one place errors
 * become one-line messages), {@code Commands} (the subcommand list), one class per command and the
 * shared option mixins ({@code ServingFlags}, {@code CompileFlags}, {@code GraphOptions}). The
 * only module that prints or calls {@code System.exit}; flags and JSON keys are a contract: add,
 * never rename or drop.
 */
package io.moesim.cli;
