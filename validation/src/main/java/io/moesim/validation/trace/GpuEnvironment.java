package io.moesim.validation.trace;

/**
 * Where a measurement was taken, as the GPU runner records it. Published rows usually know only the
 * GPU's name; absent figures are empty strings or 0.
 *
 * @param timing the timing harness, where it adds a per-call cost of its own (e.g. {@code torch-eager}:
 *               PyTorch's eager dispatch between the timing events); empty for a plain launch loop
 */
public record GpuEnvironment(String gpu, String driver, String cuda, double smClockMHz, double memClockMHz, String date, String timing) {
    public GpuEnvironment {
        gpu = gpu == null ? "" : gpu;
        driver = driver == null ? "" : driver;
        cuda = cuda == null ? "" : cuda;
        date = date == null ? "" : date;
        timing = timing == null ? "" : timing;
    }

    public GpuEnvironment(String gpu, String driver, String cuda, double smClockMHz, double memClockMHz, String date) {
        this(gpu, driver, cuda, smClockMHz, memClockMHz, date, "");
    }

    public static GpuEnvironment named(String gpu) {
        return new GpuEnvironment(gpu, "", "", 0, 0, "");
    }
}
