package io.moesim.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Titles, tick labels, batch column and section omission: what a reader of a report sees. */
class ChartPolishTest {
    @TempDir
    Path tmp;

    private static RunSummary run(String system, String mode, double rate, long batch, long maxBatch, double tps, double tbt) {
        return new RunSummary(system + ".json", system, "mixtral-8x7b", mode, rate, batch, tps, rate, SampleData.lat(tbt * 8),
                SampleData.lat(tbt), SampleData.lat(tbt * 200), Map.of("xpu", 0.5), 0.7, 0.1, maxBatch);
    }

    @Test
    void loadChartIsTitledByWhatVaries() {
        List<RunSummary> closed = List.of(run("a", "closed", 3.1, 32, 32, 1000, 20), run("a", "closed", 5.2, 64, 64, 1800, 25));
        assertEquals("Throughput vs latency over batch sizes", ReportAssembler.load(closed).title());
        List<RunSummary> poisson = List.of(run("a", "poisson", 1, 0, 256, 300, 20), run("a", "poisson", 2, 0, 256, 600, 22));
        assertEquals("Throughput vs latency over request rates", ReportAssembler.load(poisson).title());
        assertEquals("Throughput vs latency", ReportAssembler.load(List.of(poisson.get(0))).title());
        assertEquals("Throughput vs latency", ReportAssembler.load(List.of(poisson.get(0), closed.get(0))).title());
    }

    @Test
    void openLoopRunsShowTheirBatchCapNotZero() {
        assertEquals("max 256 (open loop, 1.5 req/s)", HtmlPage.batchText(run("a", "poisson", 1.5, 0, 256, 300, 20)));
        assertEquals("64", HtmlPage.batchText(run("a", "closed", 5.2, 64, 64, 1800, 25)));
        assertEquals("open loop", HtmlPage.batchText(new RunSummary("x", "a", "m", "trace", 2, 0, 1, 1, SampleData.lat(1),
                SampleData.lat(1), SampleData.lat(1), Map.of(), 1, 0.1)));
    }

    @Test
    void singlePointChartsHaveRoundTickLabels() {
        // One run at an awkward throughput and latency: XChart's default axis around one value labels ticks with raw floats.
        RunSummary one = run("duplex-x4", "poisson", 1.0, 0, 256, 1234.56789123, 17.3456789123);
        var chart = LoadChart.of(ReportAssembler.load(List.of(one)));
        var s = chart.getStyler();
        // The axes span 0 to twice the one value, and ticks a tenth of that apart print with few digits.
        assertEquals(0.0, s.getXAxisMin());
        assertEquals(2500, s.getXAxisMax(), 1e-9); // the round number above twice 1234.6
        assertEquals(60, s.getYAxisMax(), 1e-9); // the p90 is 1.5 x 17.35 = 26.02 (SampleData.lat): 60 is above twice that
        assertEquals(80, ChartStyle.niceCeil(69.2), 1e-12);
        assertEquals(0.3, ChartStyle.niceCeil(0.25001), 1e-12);
        assertEquals(1000, ChartStyle.niceCeil(1000), 1e-9);
        assertEquals(0.0, s.getYAxisMin());
        java.text.DecimalFormat x = new java.text.DecimalFormat(s.getXAxisDecimalPattern(),
                java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT));
        java.text.DecimalFormat y = new java.text.DecimalFormat(s.getYAxisDecimalPattern(),
                java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT));
        for (int i = 0; i <= 10; i++) {
            String xl = x.format(i * 2500.0 / 10);
            String yl = y.format(i * 60.0 / 10);
            assertTrue(xl.replace(".", "").replaceAll("^0+", "").length() <= 5, xl);
            assertTrue(yl.replace(".", "").replaceAll("^0+", "").length() <= 5, yl);
        }
        assertEquals("0", ChartStyle.pattern(new double[] {0, 2469}));
        assertEquals("0.##", ChartStyle.pattern(new double[] {0, 3.5}));
        assertEquals("0.####", ChartStyle.pattern(new double[] {0.01, 0.05}));
    }

    @Test
    void emptySectionsAreLeftOutAndWideTablesScroll() throws IOException {
        ReportData d = ReportData.titled("sweep only").withSweep(new SweepSection(SampleData.sweep(),
                new ParetoSpec("throughput_tokens_per_s", ParetoSpec.Direction.MAXIMIZE, "tbt_p90_ms", ParetoSpec.Direction.MINIMIZE)));
        Path dir = tmp.resolve("sweep");
        Reports.write(d, dir);
        String html = Files.readString(dir.resolve("index.html"));
        List<String> headings = new ArrayList<>();
        Matcher m = Pattern.compile("<h2>([^<]*)</h2>").matcher(html);
        while (m.find()) {
            headings.add(m.group(1));
        }
        assertEquals(List.of("Sweep and Pareto front"), headings);
        assertFalse(html.contains("href=\"#roofline\""), "no link to a section that is not there");
        assertTrue(html.contains("<div class=\"wide\"><table class=\"sweep\">"), "the sweep table sits in a scrolling box");
        assertTrue(html.contains("No roofline") && html.contains("No timeline"), "the page still says what would fill the rest");
    }

    @Test
    void everySystemComparedGetsItsRooflineAndBreakdown() throws IOException {
        ReportData one = SampleData.report(null);
        RooflineData h100 = new RooflineData("h100x4", List.of(new Roof("gpu", 989, 3350)),
                List.of(new OpPoint("moe/expert_ffn", "gpu", 50, 160)));
        ReportData two = one.withRoofline(h100).withBreakdown("h100x4",
                List.of(new LayerTimes("attention", Map.of("compute gpu", 2e-3)), new LayerTimes("moe", Map.of("compute gpu", 5e-3))));
        Path dir = tmp.resolve("two");
        Reports.write(two, dir);
        assertTrue(Files.exists(dir.resolve("roofline-2.svg")) && Files.exists(dir.resolve("breakdown-2.svg")));
        String html = Files.readString(dir.resolve("index.html"));
        assertTrue(html.contains("src=\"roofline-2.svg\"") && html.contains("src=\"breakdown-2.svg\""));
        assertTrue(html.contains("<h3>h100x4</h3>"));
    }
}
