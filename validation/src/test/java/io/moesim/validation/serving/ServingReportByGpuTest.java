package io.moesim.validation.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A serving report taken apart by GPU: the target each row's system runs. */
class ServingReportByGpuTest {
    private static final List<ServingRow> ALL = ServingSet.read(ServingSet.published(Path.of("..")));

    /**
     * The published set by its systems' names: 56 rows on h100x1/x2/x4/x8 and 48 on h200x1/x2/x4/x8 (counted from the ids,
     * which name the GPU), each a failed row here so that nothing is simulated; GPUs in name order.
     */
    @Test
    void rowsGoToTheirSystemsGpu() {
        List<ServingReport.Row> rows = ALL.stream().map(r -> ServingReport.Row.failed(r, "not run")).toList();
        Map<String, ServingReport> by = new ServingReport("set", "none", rows).byGpu();
        assertEquals(List.of("h100", "h200"), List.copyOf(by.keySet()));
        long h100 = ALL.stream().filter(r -> r.id().contains("-h100-")).count();
        long h200 = ALL.stream().filter(r -> r.id().contains("-h200-")).count();
        assertEquals(104, h100 + h200);
        assertEquals(h100, by.get("h100").rows().size());
        assertEquals(h200, by.get("h200").rows().size());
        for (ServingReport.Row r : by.get("h200").rows()) {
            assertEquals(true, r.row().system().startsWith("h200x"), r.row().id());
        }
    }
}
