package io.moesim.validation.trace;

/**
 * Where a measurement was taken, as the GPU runner records it. Published rows usually know only the
 * GPU's name; absent figures are empty strings or 0.
 */
public record GpuEnvironment(String gpu, String driver, String cuda, double smClockMHz, double memClockMHz, String date) {
    public GpuEnvironment {
        gpu = gpu == null ? "" : gpu;
        driver = driver == null ? "" : driver;
        cuda = cuda == null ? "" : cuda;
        date = date == null ? "" : date;
    }

    public static GpuEnvironment named(String gpu) {
        return new GpuEnvironment(gpu, "", "", 0, 0, "");
    }
}
