package io.moesim.validation.gpu;

import io.moesim.validation.reference.NumericCheck;
import io.moesim.validation.trace.GpuEnvironment;
import io.moesim.validation.trace.Measurement;
import java.nio.file.Path;
import java.util.List;

/** What a GPU run produced: the machine, the numerical checks against the reference, the timed rows and where they were written. */
public record GpuRunReport(GpuEnvironment environment, List<NumericCheck> checks, List<Measurement> measurements, Path trace) {

    public GpuRunReport {
        checks = List.copyOf(checks);
        measurements = List.copyOf(measurements);
    }

    public boolean checksPass() {
        return checks.stream().allMatch(NumericCheck::pass);
    }
}
