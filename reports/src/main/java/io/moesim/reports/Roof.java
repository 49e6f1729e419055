package io.moesim.reports;

/**
 * One processor's roofline: attainable TFLOP/s = min(peak, bandwidth × Op/B).
 *
 * @param bandwidthGBps the DRAM bandwidth the processor sees (internal for PIM)
 */
public record Roof(String processor, double peakTflops, double bandwidthGBps) {
    public Roof {
        if (!(peakTflops > 0) || !(bandwidthGBps > 0)) {
            throw new IllegalArgumentException("roof of " + processor + " needs peak and bandwidth > 0");
        }
    }

    /** Op/B where the memory roof meets the compute roof. */
    public double ridgeOpPerByte() {
        return peakTflops * 1e12 / (bandwidthGBps * 1e9);
    }

    public double attainableTflops(double opPerByte) {
        return Math.min(peakTflops, bandwidthGBps * opPerByte / 1e3);
    }
}
