package io.moesim.sweep.testing;

import io.moesim.sweep.SweepProgress;
import io.moesim.sweep.SweepRequest;
import io.moesim.sweep.Sweeps;
import java.nio.file.Path;
import java.util.Map;

/** A sweep in its own JVM, for the crash test to kill: {@code SPEC OUT THREADS}. */
public final class SweepMain {
    private SweepMain() {
    }

    public static void main(String[] args) {
        Sweeps.run(new SweepRequest(Path.of(args[0]), Path.of(args[1]), SweepRequest.Engine.LOCAL, null, Integer.parseInt(args[2]),
                new SyntheticEvaluatorFactory(), Map.of()), SweepProgress.NONE);
    }
}
