/**
 * The Apache Spark engine ({@code SparkEngine}), loaded by name only when asked for. The only
 * package in moesim that may use Spark, a provided dependency absent from the CLI's jar.
 */
package io.moesim.sweep.spark;
