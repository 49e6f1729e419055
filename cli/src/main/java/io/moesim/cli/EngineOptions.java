package io.moesim.cli;

import io.moesim.ir.MoesimException;
import io.moesim.sweep.SweepRequest;
import picocli.CommandLine.Option;

/** Where a sweep's points run: the engine, the Spark master and how many at once; shared by sweep, experiment and reproduce. */
final class EngineOptions {
    @Option(names = "--engine", defaultValue = "local", paramLabel = "E", description = "local (embedded, all cores) or spark. Default: ${DEFAULT-VALUE}.")
    String engine;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master: local[N], spark://host:port, ... Default: local[*].")
    String master;

    @Option(names = "--parallelism", defaultValue = "0", paramLabel = "N", description = "Points (runs) at once (0: all cores). Default: ${DEFAULT-VALUE}.")
    int parallelism;

    /** The engine asked for, after checking the options (one-line errors naming the flag). */
    SweepRequest.Engine engine() {
        if (parallelism < 0) {
            throw new MoesimException("--parallelism must be >= 0 (0: all cores), got " + parallelism);
        }
        return CompileFlags.parse(SweepRequest.Engine.class, engine, "--engine");
    }
}
