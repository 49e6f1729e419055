package io.moesim.reports;

/**
 * One op placed on the roofline of the processor it runs on.
 *
 * @param tflops achieved (simulated) TFLOP/s where known, else the roofline's own figure
 */
public record OpPoint(String name, String processor, double opPerByte, double tflops) {
}
