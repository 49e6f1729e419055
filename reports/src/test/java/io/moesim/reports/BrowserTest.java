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
