package io.moesim.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.sim.energy.EnergyBreakdown;
import io.moesim.sim.metrics.ResultJson;
import io.moesim.sim.metrics.SimulationResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultFilesTest {
    @TempDir
    Path tmp;

    static SimulationResult result(String system, double qps, double throughput) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", "mixtral-8x7b");
        config.put("system", system);
        config.put("mode", "poisson");
        config.put("batch", 0);
        config.put("qps", qps);
        return new SimulationResult(config, 10, 100, 5000, 20000, 400, 0, throughput, qps, SampleData.lat(400), SampleData.lat(25),
                SampleData.lat(9000), SampleData.lat(25), Map.of("xpu", 0.4, "logic_pim", 0.3), Map.of("intra_node", 0.1), 0.2, 0.5, 0.7,
                new EnergyBreakdown(1, 2, 3, 4, 5), 8, 1000, 100000, Map.of("hits", 3L), OptionalDouble.of(1.5));
    }

    private Path file(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private String error(Path p) {
        ReportException e = assertThrows(ReportException.class, () -> ResultFiles.read(p));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(p.toString() + ":"), "names the file: " + e.getMessage());
        return e.getMessage().substring(p.toString().length());
    }

    @Test
    void readsTheSimulatorsOwnJson() throws IOException {
        Path p = file("run.json", ResultJson.toJson(result("duplex-x4", 4, 1234.5)));
        ResultFile.Run run = assertInstanceOf(ResultFile.Run.class, ResultFiles.read(p));
        RunSummary r = run.summary();
        assertEquals("duplex-x4", r.system());
        assertEquals("mixtral-8x7b", r.model());
        assertEquals(4, r.requestRate());
        assertEquals(1234.5, r.throughputTokensPerS());
        assertEquals(25 * 1.5, r.tbt().p90Ms());
        assertEquals(Map.of("logic_pim", 0.3, "xpu", 0.4), r.utilization());
        assertEquals(RunSummary.of(p.toString(), result("duplex-x4", 4, 1234.5)), r, "file and memory agree");
    }

    @Test
    void recognisesATraceWithoutReadingItWhole() throws IOException {
        Path p = file("t.json", "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[{\"ph\":\"X\",\"ts\":0,\"dur\":1}");
        assertInstanceOf(ResultFile.Trace.class, ResultFiles.read(p), "stops at traceEvents, even before a truncated end");
    }

    @Test
    void readsASweepCsv() throws IOException {
        Path p = file("s.csv", "\"tsv_multiplier\",batch,throughput_tokens_per_s,tbt_p90_ms\r\n1,32,100,12\n\n2,\"6,4\",,13\n");
        SweepTable t = assertInstanceOf(ResultFile.Sweep.class, ResultFiles.read(p)).table();
        assertEquals(List.of("tsv_multiplier", "batch"), t.axes());
        assertEquals(List.of("throughput_tokens_per_s", "tbt_p90_ms"), t.metrics());
        assertEquals(List.of("2", "6,4"), t.rows().get(1).axisValues());
        assertTrue(Double.isNaN(t.rows().get(1).metrics().get(0)), "an empty cell is a failed point");
    }

    @Test
    void malformedInputsGiveOneLineErrors() throws IOException {
        assertEquals(": no such file", error(tmp.resolve("missing.json")));
        assertEquals(": is a folder, not a result file", error(Files.createDirectory(tmp.resolve("d.json"))));
        assertEquals(": unknown result file type (expected a simulation result .json, a sweep .csv or a Perfetto trace .json)",
                error(file("x.txt", "hello")));
        assertEquals(": empty file", error(file("e.json", "")));
        String bad = error(file("bad.json", "{\"throughput_tokens_per_s\": 1,\n  oops}"));
        assertTrue(bad.matches(": invalid JSON at line 2, column 3: Unexpected character .*"), bad);
        assertEquals(": invalid JSON (trailing content after the top-level object)", error(file("two.json", "{} {}")));
        assertEquals(": not a moesim result (JSON top level is an array, expected an object)", error(file("arr.json", "[1,2]")));
        assertEquals(": not a moesim result or trace (no 'throughput_tokens_per_s' or 'traceEvents' key at the top level)",
                error(file("other.json", "{\"a\":1}")));
        assertTrue(error(file("plan.json", "{\"schema_version\":1,\"tasks\":[]}")).startsWith(": is a hardware plan"));
        String json = ResultJson.toJson(result("h100x4", 1, 10));
        assertEquals(": 'tbt_ms.p90' is missing", error(file("nop90.json", json.replaceFirst("(?s)(\"tbt_ms\".*?)\"p90\"", "$1\"p91\""))));
        assertEquals(": 'throughput_tokens_per_s' must be a number, found string",
                error(file("str.json", json.replaceFirst("\"throughput_tokens_per_s\" : [0-9.eE+-]+", "\"throughput_tokens_per_s\" : \"fast\""))));
        assertEquals(": 'utilization' is missing or not an object", error(file("util.json", "{\"throughput_tokens_per_s\":1,"
                + "\"requests_per_s\":1,\"ttft_ms\":{\"p50\":1,\"p90\":1,\"p99\":1,\"mean\":1,\"max\":1,\"count\":1},"
                + "\"tbt_ms\":{\"p50\":1,\"p90\":1,\"p99\":1,\"mean\":1,\"max\":1,\"count\":1},"
                + "\"e2e_ms\":{\"p50\":1,\"p90\":1,\"p99\":1,\"mean\":1,\"max\":1,\"count\":1},\"utilization\":[]}")));
    }

    @Test
    void malformedCsvGivesOneLineErrors() throws IOException {
        assertEquals(": empty file (expected a header line and one row per sweep point)", error(file("e.csv", "\n\n")));
        assertEquals(":1: duplicate column 'batch'", error(file("dup.csv", "batch,batch,throughput\n")));
        assertEquals(":1: column 2 has no name", error(file("blank.csv", "batch,,throughput\n")));
        assertEquals(":1: no metric column (expected names such as throughput_tokens_per_s or tbt_p90_ms)", error(file("nom.csv", "a,b\n1,2\n")));
        assertEquals(":4: 2 fields, the header has 3", error(file("short.csv", "batch,throughput,tbt_p90\n1,2,3\n\n4,5\n")));
        assertEquals(":2: column 'tbt_p90' must be a number, found 'slow'", error(file("nan.csv", "batch,throughput,tbt_p90\n1,2,slow\n")));
        assertEquals(":2: unterminated quoted field", error(file("q.csv", "batch,throughput\n\"1,2\n")));
    }

    @Test
    void assemblesRunsSweepAndTraceIntoOneReport() throws IOException {
        Path a = file("h100-1.json", ResultJson.toJson(result("h100x4", 1, 100)));
        Path b = file("h100-2.json", ResultJson.toJson(result("h100x4", 2, 190)));
        Path c = file("duplex-1.json", ResultJson.toJson(result("duplex-x4", 1, 120)));
        Path s = file("s.csv", "tsv_multiplier,throughput_tokens_per_s,tbt_p50_ms,tbt_p90_ms\n1,100,10,12\n2,150,11,14\n");
        Path t = file("trace.json", "{\"traceEvents\":[]}");
        ReportData d = Reports.fromFiles("r", List.of(a, b, c, s, t));
        assertEquals(3, d.runs().size());
        assertEquals(List.of("h100x4", "duplex-x4"), d.load().orElseThrow().curves().stream().map(LoadCurve::system).toList());
        assertEquals(List.of("h100x4 @ 1 req/s", "h100x4 @ 2 req/s", "duplex-x4"), d.utilisation().stream().map(Utilisation::system).toList());
        assertEquals(new ParetoSpec("throughput_tokens_per_s", ParetoSpec.Direction.MAXIMIZE, "tbt_p90_ms", ParetoSpec.Direction.MINIMIZE),
                d.sweep().orElseThrow().pareto());
        assertEquals(t, d.trace().orElseThrow());
        ReportException twice = assertThrows(ReportException.class, () -> Reports.fromFiles("r", List.of(s, s)));
        assertEquals(s + ": one sweep per report (already have " + s + ")", twice.getMessage());
    }
}
