/**
 * JMH benchmarks of the event engine and the {@code .moeir} text format, and a CPU-time variant
 * for shared machines. Measures library code only; nothing in moesim depends on it.
 */
package io.moesim.bench;
