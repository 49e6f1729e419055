/**
 * Perfetto / Chrome trace-event export of executions and serving iterations ({@code TraceWriter}),
 * streamed to an output stream. Writes only what the system level produced; it never simulates.
 */
package io.moesim.sim.trace;
