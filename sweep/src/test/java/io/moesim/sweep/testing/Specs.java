package io.moesim.sweep.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Spec files for tests. */
public final class Specs {
    private Specs() {
    }

    /** 4 x 4 x 4 = 64 points over a, b and c, each taking {@code sleepMs}. */
    public static String grid64(long sleepMs) {
        return """
                name: grid64
                base:
                  model: synthetic
                  sleep_ms: %d
                axes:
                  a: [1, 2, 3, 4]
                  b: [0.5, 1.5, 2.5, 3.5]
                  c: [x, "y,z", w, v]
                metrics: [throughput, latency_ms, energy]
                """.formatted(sleepMs);
    }

    public static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }
}
