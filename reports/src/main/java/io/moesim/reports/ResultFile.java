package io.moesim.reports;

import java.nio.file.Path;

/** One input of {@code moesim report}, by what it turned out to be. */
public sealed interface ResultFile {
    Path path();

    /** A simulator result JSON ({@code ResultJson}). */
    record Run(Path path, RunSummary summary) implements ResultFile {
    }

    /** A sweep's CSV: axis columns and metric columns. */
    record Sweep(Path path, SweepTable table) implements ResultFile {
    }

    /** A Chrome trace-event / Perfetto JSON timeline: linked, never read whole. */
    record Trace(Path path) implements ResultFile {
    }
}
