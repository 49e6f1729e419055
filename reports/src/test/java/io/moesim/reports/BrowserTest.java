package io.moesim.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens a written report in headless Chromium: every chart must load and nothing may reach the
 * console. The report itself has no script, so the check script is added to a copy of the page.
 * Skips, with a line on stderr, where chromium is not installed (apt-get install chromium).
 */
@Tag("slow")
class BrowserTest {
    /** Records failed resource loads (capture phase) and, at load, every image and inline SVG that did not render. */
    private static final String CHECK_SCRIPT = """
            <script>
            var problems = [];
            window.addEventListener('error', function (e) {
              var t = e.target;
              problems.push('error ' + (t && (t.src || t.href) ? (t.src || t.href) : e.message));
            }, true);
            window.addEventListener('load', function () {
              var imgs = document.images;
              for (var i = 0; i < imgs.length; i++) {
                if (!imgs[i].complete || imgs[i].naturalWidth === 0) problems.push('img ' + imgs[i].getAttribute('src'));
              }
              var svgs = document.querySelectorAll('svg');
              for (var j = 0; j < svgs.length; j++) {
                var b = svgs[j].getBoundingClientRect();
                if (b.width === 0 || b.height === 0) problems.push('svg #' + j);
              }
              // Layout: nothing may reach past the page's width (a wide table must scroll in its own box),
              // and no section may be a heading with nothing under it.
              var vw = document.documentElement.clientWidth;
              if (document.documentElement.scrollWidth > vw) problems.push('page wider than the window: ' + document.documentElement.scrollWidth + ' > ' + vw);
              var all = document.body.querySelectorAll('table, img, p, h1, h2, h3, nav, ul');
              for (var k = 0; k < all.length; k++) {
                var r = all[k].getBoundingClientRect();
                var box = all[k].closest('div.wide');
                var right = box ? Math.min(r.right, box.getBoundingClientRect().right) : r.right;
                if (right > vw + 0.5) problems.push('overflow ' + all[k].tagName + ' right=' + Math.round(right) + ' > ' + vw);
              }
              var secs = document.querySelectorAll('section');
              for (var q = 0; q < secs.length; q++) {
                var kids = secs[q].children;
                if (kids.length < 2) problems.push('empty section #' + secs[q].id);
                var empty = secs[q].querySelector('p.empty');
                if (empty) problems.push('section #' + secs[q].id + ' has only a placeholder');
              }
              var pre = document.createElement('pre');
              pre.id = 'checks';
              pre.textContent = (problems.length ? 'FAIL ' + problems.join('; ') : 'OK') + ' images=' + imgs.length + ' svgs=' + svgs.length;
              document.body.appendChild(pre);
            });
            </script>
            """;
    private static final Pattern CHECKS = Pattern.compile("<pre id=\"checks\">([^<]*)</pre>");

    private static HeadlessChromium chromium;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findChromium() {
        Optional<HeadlessChromium> c = HeadlessChromium.find();
        if (c.isEmpty()) {
            System.err.println("BrowserTest skipped: no chromium on PATH (Debian: apt-get install chromium)");
        }
        assumeTrue(c.isPresent(), "no chromium on PATH");
        chromium = c.get();
    }

    private static Path buildDir() {
        return Path.of(System.getProperty("reports.build.dir", "target"));
    }

    private String checks(Path index) throws IOException, InterruptedException {
        String html = Files.readString(index);
        Path page = index.resolveSibling("check.html");
        Files.writeString(page, html.replace("</body>", CHECK_SCRIPT + "</body>"));
        HeadlessChromium.Run run = chromium.dumpDom(page, tmp);
        Files.delete(page);
        Matcher m = CHECKS.matcher(run.stdout());
        assertTrue(m.find(), "the check script ran; chromium said:\n" + run.stderr());
        List<String> problems = run.pageProblems();
        return m.group(1) + (problems.isEmpty() ? "" : " CONSOLE " + String.join(" | ", problems));
    }

    @Test
    void everyChartLoadsAndTheConsoleStaysQuiet() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Path dir = buildDir().resolve("browser-report");
        Path trace = dir.resolve("timeline.json");
        Files.createDirectories(dir);
        Files.writeString(trace, "{\"traceEvents\":[]}");
        Path index = Reports.write(SampleData.report(trace), dir);
        assertEquals("OK images=5 svgs=0", checks(index));
        Path png = buildDir().resolve("report-screenshot.png");
        Files.deleteIfExists(png);
        HeadlessChromium.Run shot = chromium.screenshot(index, png, tmp);
        assertTrue(Files.size(png) > 10_000, "screenshot written: " + shot.stderr());
        assertEquals(List.of(), shot.pageProblems());
        System.err.printf("BrowserTest: report checked in headless chromium in %.1f s; screenshot %s%n",
                (System.nanoTime() - t0) / 1e9, png.toAbsolutePath());
    }

    /** A sweep-only report in a narrow window: sections without data are gone, and the 20-column sweep table scrolls in its box. */
    @Test
    void aWideSweepStaysInsideANarrowPage() throws IOException, InterruptedException {
        List<String> axes = List.of("tsv_multiplier", "batch", "xpu_tflops", "pim_banks", "hbm_stacks", "link_gbps", "topology", "routing");
        List<String> metrics = List.of("throughput_tokens_per_s", "tbt_p90_ms", "tbt_p50_ms", "ttft_p90_ms", "ttft_p50_ms", "e2e_p50_ms",
                "energy_j_per_token", "mfu", "hbm_bw_util", "requests_per_s", "utilization_xpu", "utilization_logic_pim");
        List<SweepRow> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            List<String> a = new java.util.ArrayList<>();
            axes.forEach(x -> a.add(x + "-value-" + 1000));
            List<Double> m = new java.util.ArrayList<>();
            for (int j = 0; j < metrics.size(); j++) {
                m.add(j == 0 ? 1000.0 + 37 * i : 123456.789 / (1 + i + j));
            }
            rows.add(new SweepRow(a, m));
        }
        SweepTable t = new SweepTable("a-sweep-with-a-long-name/results.csv", axes, metrics, rows);
        Path dir = tmp.resolve("wide");
        Path index = Reports.write(ReportData.titled("wide sweep").withSweep(new SweepSection(t, ReportAssembler.defaultPareto(t))), dir);
        assertEquals("OK images=1 svgs=0", checks(index));
    }

    /** The tune page (one file, its chart inlined): the chart renders, a long command line wraps inside the page, the console stays quiet. */
    @Test
    void theTunePageRendersInOneFile() throws IOException, InterruptedException {
        io.moesim.sim.SimulationRequest base = io.moesim.sim.SimulationRequest.builder("olmoe-1b-7b", "h100x1").qps(1).requests(40)
                .lengths(256, 32).build();
        io.moesim.sim.tune.DeploymentSearch.Options o = new io.moesim.sim.tune.DeploymentSearch.Options(base, List.of("h100"), 2, List.of(32),
                200, 20, 2, "--cost-model roofline");
        List<io.moesim.sim.tune.DeploymentSearch.Estimate> est = new java.util.ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            est.add(new io.moesim.sim.tune.DeploymentSearch.Estimate(new io.moesim.sim.tune.DeploymentSearch.Candidate(false, "h100x1", i, "", 0,
                    32 * i, i), 10.0 * i, 50, 2.0 * i, 300.0 / i, 16));
        }
        io.moesim.sim.tune.DeploymentSearch.Confirmed best = io.moesim.sim.tune.DeploymentSearch.confirmed(est.get(0), o, 8, 40, 3, 32);
        io.moesim.sim.tune.DeploymentSearch.Result r = new io.moesim.sim.tune.DeploymentSearch.Result(6, 6, est, est, List.of(best), best, 1, 0.5,
                12, 6);
        Path page = tmp.resolve("tune").resolve("tune.html");
        Files.createDirectories(page.getParent());
        Files.writeString(page, TunePage.render(r, o));
        assertEquals("OK images=1 svgs=0", checks(page));
    }

    @Test
    void theCheckCatchesOverflowAndEmptySections() throws IOException, InterruptedException {
        Path dir = tmp.resolve("overflow");
        Path index = Reports.write(SampleData.report(null), dir);
        String html = Files.readString(index).replace("<div class=\"wide\"><table class=\"sweep\">", "<div><table class=\"sweep\" style=\"width:3000px\">")
                .replace("</body>", "<section id=\"hollow\"><h2>Hollow</h2></section></body>");
        Files.writeString(index, html);
        String outcome = checks(index);
        assertTrue(outcome.contains("overflow TABLE") && outcome.contains("empty section #hollow"), outcome);
    }

    @Test
    void theCheckCatchesABrokenChartAndConsoleOutput() throws IOException, InterruptedException {
        Path dir = tmp.resolve("broken");
        Path index = Reports.write(SampleData.report(null), dir);
        Files.delete(dir.resolve("load.svg"));
        Files.writeString(index, Files.readString(index).replace("</body>", "<script>console.error('boom')</script></body>"));
        String outcome = checks(index);
        assertTrue(outcome.startsWith("FAIL ") && outcome.contains("load.svg"), outcome);
        assertTrue(outcome.contains("CONSOLE") && outcome.contains("boom"), outcome);
    }
}
