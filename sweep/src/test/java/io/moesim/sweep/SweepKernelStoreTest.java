package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.sim.kernel.KernelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Sweep points use the process's persistent kernel store, so a second sweep re-simulates no known kernel. */
@ResourceLock("io.moesim.sim.kernel.KernelStore.processDefault")
class SweepKernelStoreTest {
    @TempDir
    Path dir;

    @Test
    void pointsReadAndWriteTheInstalledStore() throws Exception {
        SweepSpec s = SweepSpecs.parse("""
                base: {model: mixtral-8x7b, system: h100x2, requests: 4, input_len: 64, output_len: 4}
                axes: {batch: [4]}
                """, "s.yaml", "s");
        KernelStore first = new KernelStore(dir, "test", msg -> { });
        KernelStore.installProcessDefault(first);
        try {
            Map<String, Double> a = new SimulatorEvaluatorFactory().create(s).evaluate(Map.of("batch", 4));
            assertTrue(first.misses() > 0, "the first sweep simulates its kernels");
            long files;
            try (Stream<Path> f = Files.walk(dir)) {
                files = f.filter(Files::isRegularFile).count();
            }
            assertTrue(files > 0, "the estimates were written to the store");

            KernelStore second = new KernelStore(dir, "test", msg -> { });
            KernelStore.installProcessDefault(second);
            Map<String, Double> b = new SimulatorEvaluatorFactory().create(s).evaluate(Map.of("batch", 4));
            assertEquals(0, second.misses(), "a second process's sweep finds every kernel in the store");
            assertTrue(second.hits() > 0);
            Map<String, Double> x = new java.util.TreeMap<>(a);
            Map<String, Double> y = new java.util.TreeMap<>(b);
            x.keySet().removeIf(k -> k.contains("wall"));
            y.keySet().removeIf(k -> k.contains("wall"));
            assertEquals(x, y, "stored estimates give the same metrics");
        } finally {
            KernelStore.installProcessDefault(null);
        }
    }
}
