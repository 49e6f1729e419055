package io.moesim.validation.gpu;

import io.moesim.validation.reference.NumericCheck;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.OpForm;
import io.moesim.validation.trace.TraceWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The facade of {@code moesim validate --backend jcuda}: opens the GPU (or throws
 * {@link NoGpuException}), checks every kernel against the reference executor, times the op set and
 * writes the trace. The trace then goes through {@link io.moesim.validation.Validation#run} like any other.
 */
public final class GpuValidation {
    private GpuValidation() {
    }

    public static GpuRunReport run(GpuRunOptions options) {
        try (CudaSession session = CudaSession.open()) {
            if (!session.hasCublas()) {
                throw new NoGpuException(session.cublasProblem(), null);
            }
            GpuRunner runner = new GpuRunner(session, options.warmup(), options.reps());
            List<NumericCheck> checks = runner.check(options.dtype());
            List<Measurement> rows = new ArrayList<>();
            for (OpForm op : options.ops()) {
                rows.add(runner.measure(op, options.target()));
            }
            if (options.traceOut() != null) {
                TraceWriter.write(options.traceOut(), rows);
            }
            return new GpuRunReport(session.environment(), checks, rows, options.traceOut());
        }
    }

    /** Whether a usable GPU is present; never throws. */
    public static boolean available() {
        try (CudaSession s = CudaSession.open()) {
            return true;
        } catch (NoGpuException e) {
            return false;
        }
    }
}
