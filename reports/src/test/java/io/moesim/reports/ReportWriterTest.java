package io.moesim.reports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow")
class ReportWriterTest {
    @TempDir
    Path tmp;

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesEveryChartAndCreatesTheFolder() throws IOException {
        Path dir = tmp.resolve("a/b/report");
        Path index = Reports.write(SampleData.report(tmp.resolve("trace.json")), dir);
        assertEquals(dir.resolve("index.html"), index);
        assertEquals(List.of("breakdown.svg", "index.html", "load.svg", "pareto.svg", "roofline.svg", "utilisation.svg"), listing(dir));
        String html = Files.readString(index);
        for (String chart : List.of("roofline", "breakdown", "utilisation", "load", "pareto")) {
            assertTrue(html.contains("src=\"" + chart + ".svg\""), chart);
            assertTrue(Files.readString(dir.resolve(chart + ".svg")).contains("<svg"), chart);
        }
        assertTrue(html.contains("href=\"../../../trace.json\""), "trace linked relative to the report");
        assertTrue(html.contains("ui.perfetto.dev"));
    }

    @Test
    void sameDataSameBytes() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Reports.write(SampleData.report(tmp.resolve("t.json")), a);
        Reports.write(SampleData.report(tmp.resolve("t.json")), b);
        // And rewriting over an existing report gives the same bytes again.
        Reports.write(SampleData.report(tmp.resolve("t.json")), a);
        assertEquals(listing(a), listing(b));
        for (String f : listing(a)) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
    }

    @Test
    void noExternalUrlInSrcOrHref() throws IOException {
        Path dir = tmp.resolve("r");
        Reports.write(SampleData.report(tmp.resolve("trace.json")), dir);
        for (String f : listing(dir)) {
            String text = Files.readString(dir.resolve(f), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("(?i)(src|href|xlink:href)\\s*=\\s*[\"']?([^\"'\\s>]*)").matcher(text);
            while (m.find()) {
                String url = m.group(2).toLowerCase(java.util.Locale.ROOT);
                assertTrue(!url.startsWith("http:") && !url.startsWith("https:") && !url.startsWith("//"), f + ": " + m.group());
            }
            // Nothing else fetches either: no @import or url(http...) in CSS, no <link>, no script.
            assertTrue(!text.contains("@import") && !text.matches("(?s).*url\\(\\s*['\"]?(https?:)?//.*"), f);
            if (f.endsWith(".html")) {
                assertTrue(!text.contains("<link") && !text.contains("<script"), f);
                String withoutHint = text.replace("ui.perfetto.dev", "");
                assertTrue(!withoutHint.contains("http://") && !withoutHint.contains("https://"), f);
            }
        }
    }

    @Test
    void sectionsWithoutDataSayWhatWouldFillThem() throws IOException {
        Path dir = tmp.resolve("empty");
        Reports.write(ReportData.titled("nothing <yet>"), dir);
        assertEquals(List.of("index.html"), listing(dir));
        String html = Files.readString(dir.resolve("index.html"));
        assertTrue(html.contains("<title>nothing &lt;yet&gt;</title>"));
        assertTrue(html.contains("No roofline") && html.contains("No sweep") && html.contains("No timeline"));
    }

    @Test
    void noTemporaryFilesLeftBehind() throws IOException {
        Path dir = tmp.resolve("r");
        Reports.write(SampleData.report(null), dir);
        assertTrue(listing(dir).stream().noneMatch(f -> f.startsWith(".") || f.endsWith(".tmp")), listing(dir).toString());
    }

    @Test
    void frontRowsAreMarkedInTheTable() throws IOException {
        Path dir = tmp.resolve("r");
        Reports.write(SampleData.report(null), dir);
        String html = Files.readString(dir.resolve("index.html"));
        SweepSection s = SampleData.report(null).sweep().orElseThrow();
        int front = ParetoFront.of(s.table(), s.pareto()).size();
        assertEquals(front, html.split("<tr class=\"front\">", -1).length - 1);
    }

    @Test
    void numbersIgnoreTheDefaultLocale() {
        java.util.Locale before = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.GERMANY);
            assertEquals("1235", Numbers.format(1234.5));
            assertEquals("12.35", Numbers.format(12.345));
            assertEquals("0.001235", Numbers.format(0.00123456));
            assertEquals("1.235E+10", Numbers.format(1.23456e10));
        } finally {
            java.util.Locale.setDefault(before);
        }
    }
}
