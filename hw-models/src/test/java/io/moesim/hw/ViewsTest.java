package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ViewsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<String> targetIds() {
        return Targets.ids();
    }

    @ParameterizedTest
    @MethodSource("targetIds")
    void targetJsonIsDeterministic(String id) throws IOException {
        String a = JSON.writeValueAsString(TargetViews.json(Targets.load(id)));
        String b = JSON.writeValueAsString(TargetViews.json(Targets.load(id, List.of())));
        String c = JSON.writeValueAsString(TargetViews.json(Targets.load(id, List.of("memory.stacks=" + Targets.load(id).memory().stacks()))));
        assertEquals(a, b);
        assertTrue(a.startsWith("{\"id\":\"" + id + "\",\"name\":"), a);
        assertEquals(JSON.readTree(a).get("peak_tflops"), JSON.readTree(c).get("peak_tflops"));
        for (String key : List.of("kind", "peak_tflops", "hbm_bandwidth_GBps", "hbm_capacity_GB", "hbm_reported_GB", "ridge_op_per_byte", "processors")) {
            assertTrue(JSON.readTree(a).has(key), key);
        }
    }

    @Test
    void pimDevicesShowPimFigures() throws IOException {
        Map<String, Object> m = TargetViews.json(Targets.load("duplex"));
        // 512 b x 4 bundles / (4 clocks of 4 / 5.2 ns) x 32 PCs x 5 stacks / 8 = 13312 GB/s
        assertEquals(13312.0, (double) m.get("pim_internal_bandwidth_GBps"), 0.01);
        assertEquals(106.496, (double) ((Map<?, ?>) m.get("pim_peak_tflops")).get("fp16"), 1e-9);
        assertTrue(!TargetViews.json(Targets.load("h100")).containsKey("pim_internal_bandwidth_GBps"));
    }

    /** The datasheet's capacity beside what the driver reports (81,559 MiB = 85.521 GB), and the figure in the memory block. */
    @Test
    void gpusShowTheMemoryTheDriverReports() {
        Map<String, Object> m = TargetViews.json(Targets.load("h100"));
        assertEquals(80.0, (double) m.get("hbm_capacity_GB"), 0);
        assertEquals(85.521, (double) m.get("hbm_reported_GB"), 0);
        assertEquals(81559.0, (double) ((Map<?, ?>) m.get("memory")).get("driver_total_MiB"), 0);
        String text = TargetViews.describe(Targets.load("h100"));
        assertTrue(text.contains("5 stacks, 80 GB (the driver reports 81559 MiB = 85.52 GB), 3350 GB/s"), text);
    }

    @Test
    void systemJsonIsDeterministic() throws IOException {
        for (String id : Systems.ids()) {
            assertEquals(JSON.writeValueAsString(SystemViews.json(Systems.load(id))),
                    JSON.writeValueAsString(SystemViews.json(Systems.load(id))));
        }
    }

    @Test
    void rowsMatchHeaders() {
        for (String id : Targets.ids()) {
            assertEquals(TargetViews.header().size(), TargetViews.row(Targets.load(id)).size());
            String text = TargetViews.describe(Targets.load(id));
            assertTrue(text.startsWith(id + ": "));
        }
        assertEquals(List.of("h100", "gpu", "989.4", "3.35", "80", "295.4"), TargetViews.row(Targets.load("h100")));
        for (String id : Systems.ids()) {
            assertEquals(SystemViews.header().size(), SystemViews.row(Systems.load(id)).size());
            assertTrue(SystemViews.describe(Systems.load(id)).startsWith(id + ": "));
        }
    }

    /** index.txt lists exactly the YAML files of each resource folder, and ids() come sorted. */
    @Test
    void indexesMatchTheResourceFolders() throws IOException {
        Path root = Path.of("src/main/resources");
        for (String folder : List.of("targets", "links", "systems")) {
            List<String> files = new ArrayList<>();
            try (Stream<Path> s = Files.list(root.resolve(folder))) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                        .map(n -> n.substring(0, n.length() - 5)).sorted().forEach(files::add);
            }
            assertEquals(files, SpecSources.ids(folder), folder);
        }
        List<String> sorted = new ArrayList<>(Targets.ids());
        sorted.sort(null);
        assertEquals(sorted, Targets.ids());
        assertEquals(List.of("b200", "bank-pim", "bankgroup-pim", "duplex", "h100", "h100-calibrated", "h200", "h200-calibrated", "h800", "logic-pim", "mi300x",
                "mi300x-calibrated", "xpu"), Targets.ids());
    }

    /** Every figure of every built-in file names its source (the loader enforces it; this shows it holds). */
    @Test
    void everyBuiltInFigureHasASource() throws IOException {
        Path root = Path.of("src/main/resources");
        for (String folder : List.of("targets", "links", "systems")) {
            try (Stream<Path> s = Files.list(root.resolve(folder))) {
                for (Path p : s.filter(x -> x.toString().endsWith(".yaml")).toList()) {
                    String text = Files.readString(p);
                    assertTrue(!text.matches("(?s).*:\\s+-?[0-9][0-9.]*\\s*\\n.*"), p + " has a bare number");
                }
            }
        }
    }
}
