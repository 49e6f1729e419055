package io.moesim.validation.trace;

/**
 * Where a measurement was taken, as the GPU runner records it. Published rows usually know only the
 * GPU's name; absent figures are empty strings or 0.
 *
 * @param timing the timing harness, where it adds a per-call cost of its own (e.g. {@code torch-eager}:
 *               PyTorch's eager dispatch between the timing events); empty for a plain launch loop
 * @param load   {@link #SUSTAINED} where the row's harness kept the GPU busy long enough to reach its power limit (its
 *               source says so: thousands of warm-up iterations, seconds of back-to-back calls), so its engines ran below the
 *               clock the per-op figures hold for; empty where the source does not say (never with a fixed sm_clock_MHz)
 */
public record GpuEnvironment(String gpu, String driver, String cuda, double smClockMHz, double memClockMHz, String date, String timing,
        String load) {
    /** {@code env.load} of a row measured under sustained load. */
    public static final String SUSTAINED = "sustained";

    public GpuEnvironment {
        gpu = gpu == null ? "" : gpu;
        driver = driver == null ? "" : driver;
        cuda = cuda == null ? "" : cuda;
        date = date == null ? "" : date;
        timing = timing == null ? "" : timing;
        load = load == null ? "" : load;
        if (!load.isEmpty() && !load.equals(SUSTAINED)) {
            throw new IllegalArgumentException("env.load: '" + SUSTAINED + "' or absent, got '" + load + "'");
        }
        if (load.equals(SUSTAINED) && smClockMHz > 0) {
            throw new IllegalArgumentException("env.load: a row with a fixed sm_clock_MHz ran at that clock, not at a clock under load");
        }
    }

    public GpuEnvironment(String gpu, String driver, String cuda, double smClockMHz, double memClockMHz, String date, String timing) {
        this(gpu, driver, cuda, smClockMHz, memClockMHz, date, timing, "");
    }

    /** Whether the row ran under sustained load ({@link #SUSTAINED}). */
    public boolean sustainedLoad() {
        return load.equals(SUSTAINED);
    }

    public GpuEnvironment(String gpu, String driver, String cuda, double smClockMHz, double memClockMHz, String date) {
        this(gpu, driver, cuda, smClockMHz, memClockMHz, date, "");
    }

    public static GpuEnvironment named(String gpu) {
        return new GpuEnvironment(gpu, "", "", 0, 0, "");
    }
}
