package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** moesim tune: the deployment it returns, simulated on its own from its command line, meets the limits it claims. */
class TuneCommandTest {
    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theBestDeploymentSimulatedOnItsOwnMeetsItsSla() throws Exception {
        Path out = tmp.resolve("tune.json");
        CliRunner.Outcome o = CliRunner.run("tune", "--model", "olmoe-1b-7b", "--devices", "h100", "--budget", "2", "--max-batches", "32",
                "--in", "256", "--out", "32", "--requests", "40", "--cost-model", "roofline", "--sla-ttft-ms", "200", "--sla-tpot-ms", "20",
                "--finalists", "2", "--json", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("Pareto front") && o.out().contains("best: "), o.out());
        JsonNode j = M.readTree(out.toFile());
        // budget 2, sizes 1 and 2: aggregated h100x1 tp1 (2 replicas), h100x2 tp2, h100x2 tp2/ep2; disaggregated h100x1:h100x1 (1:1)
        assertEquals(4, j.get("candidates").asInt());
        JsonNode best = j.get("best");
        assertTrue(best.get("meets_sla").asBoolean());
        JsonNode res = runOnItsOwn(best.get("command_line").asText(), tmp.resolve("best.json"));
        assertTrue(res.get("ttft_ms").get("p90").asDouble() <= 200, res.get("ttft_ms").toString());
        assertTrue(res.get("tpot_ms").get("p90").asDouble() <= 20, res.get("tpot_ms").toString());
        assertEquals(best.get("simulated_tpot_p90_ms").asDouble(), res.get("tpot_ms").get("p90").asDouble(), 1e-9,
                "the command line reproduces the confirmation run");
    }

    /** Runs a finalist's command line (up to its comment) as a command of its own, with --json {@code json}; returns the JSON. */
    private static JsonNode runOnItsOwn(String cmd, Path json) throws Exception {
        String line = cmd.contains("#") ? cmd.substring(0, cmd.indexOf('#')) : cmd;
        List<String> args = new ArrayList<>(Arrays.asList(line.strip().split("\\s+")));
        assertEquals("moesim", args.remove(0));
        args.add("--json");
        args.add(json.toString());
        CliRunner.Outcome s = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, s.code(), s.err());
        return M.readTree(json.toFile());
    }

    /** OLMoE on H100s within {@code budget}, 256 in / 16 out, 30 requests, roofline costs, TTFT <= 2 s, TPOT <= 200 ms, max batch 8 per rank. */
    private static io.moesim.sim.tune.DeploymentSearch.Options wideEpOptions(int budget) {
        io.moesim.sim.SimulationRequest base = io.moesim.sim.SimulationRequest.builder("olmoe-1b-7b", "h100x4").qps(1).requests(30).lengths(256, 16)
                .costModel(io.moesim.compiler.cost.RooflineCostModel.INSTANCE).build();
        return new io.moesim.sim.tune.DeploymentSearch.Options(base, List.of("h100"), budget, List.of(8), 2000, 200, 1, "--cost-model roofline");
    }

    /**
     * An aggregated wide-EP finalist is confirmed by the aggregated wide-EP serving run, event by event ({@code serving}, not
     * {@code step}), and its command line, run as {@code simulate} on its own, gives the confirmation's p90s exactly.
     */
    @Test
    void anAggregatedWideEpFinalistIsConfirmedByItsServingRun() throws Exception {
        io.moesim.sim.tune.DeploymentSearch.Options o = wideEpOptions(4);
        io.moesim.sim.tune.DeploymentSearch.Candidate c = new io.moesim.sim.tune.DeploymentSearch.Candidate(false, "h100x4", 1, null, 0, 8, 4,
                io.moesim.sim.tune.DeploymentSearch.Layout.wideEp(4), null, null);
        assertTrue(c.aggregatedWideEp() && !c.servable());
        io.moesim.sim.tune.DeploymentSearch.Confirmed conf = io.moesim.sim.tune.DeploymentSearch.confirm(
                new io.moesim.sim.tune.DeploymentSearch.Estimate(c, 40, 100, 10, 1), o);
        assertEquals("serving", conf.kind());
        String cmd = conf.commandLine();
        assertTrue(cmd.contains("--system h100x4 --ep-mode normal:ll") && cmd.contains("--max-batch 32"), cmd + ": 8 per rank x 4 ranks");
        JsonNode res = runOnItsOwn(cmd, tmp.resolve("wide.json"));
        assertEquals(conf.ttftP90Ms(), res.get("ttft_ms").get("p90").asDouble(), 1e-9, "the command line reproduces the confirmation run");
        assertEquals(conf.tpotP90Ms(), res.get("tpot_ms").get("p90").asDouble(), 1e-9);
        assertSteadyStateRun(cmd, conf.qps(), res);
    }

    /**
     * A wide-EP confirmation's command runs the steady state's requests, by the rule stated by hand here: arrivals over four
     * lifetimes of a request at the limits, qps x 4 x (TTFT 2 s + 16 tokens x TPOT 0.2 s), at least the run's 30 (e.g. 832 at
     * 40 req/s); and the run produced every request's 16 tokens once.
     */
    private static void assertSteadyStateRun(String cmd, double qps, JsonNode res) {
        List<String> args = Arrays.asList(cmd.strip().split("\\s+"));
        long requests = Long.parseLong(args.get(args.indexOf("--requests") + 1));
        assertEquals(Math.max(30, (long) Math.ceil(qps * 4 * (2.0 + 16 * 0.2))), requests, "the steady state's requests");
        assertEquals(requests * 16, res.get("output_tokens").asLong(), "every request's tokens once");
    }

    /**
     * The search's best disaggregated wide-EP deployment (by estimate) is confirmed by the serving run {@code simulate --disagg P:D
     * --ep-mode normal:ll} makes, event by event (kind {@code serving}); it meets the limits, and its command line, run as
     * {@code simulate} on its own, meets them too and gives the confirmation's p90s exactly, every request's tokens once.
     * A disaggregated candidate with one wide-EP pool beside a compiler-layout pool is served the same way ({@code off}).
     */
    @Test
    void theBestDisaggregatedWideEpDeploymentSimulatedOnItsOwnMeetsItsSla() throws Exception {
        io.moesim.sim.tune.DeploymentSearch.Options o = wideEpOptions(8);
        io.moesim.sim.tune.DeploymentSearch.Result r = io.moesim.sim.tune.DeploymentSearch.search(o, null, (list, opts) -> List.of());
        io.moesim.sim.tune.DeploymentSearch.Estimate best = r.estimates().stream()
                .filter(e -> e.candidate().disaggregated() && e.maxQps() > 0
                        && e.candidate().prefillLayout().kind() == io.moesim.sim.tune.DeploymentSearch.Kind.WIDE_EP
                        && e.candidate().decodeLayout().kind() == io.moesim.sim.tune.DeploymentSearch.Kind.WIDE_EP)
                .findFirst().orElseThrow();
        io.moesim.sim.tune.DeploymentSearch.Confirmed conf = io.moesim.sim.tune.DeploymentSearch.confirm(best, o);
        assertEquals("serving", conf.kind());
        assertTrue(conf.meets(), conf.toString());
        String cmd = conf.commandLine();
        assertTrue(cmd.contains("--disagg h100x4:h100x4") && cmd.contains("--ep-mode normal:ll") && cmd.contains("--prefill-max-batch 8")
                && cmd.contains("--decode-max-batch 32"), cmd + ": two prompts per rank, 8 sequences per rank x 4 ranks");
        JsonNode res = runOnItsOwn(cmd, tmp.resolve("disagg-wide.json"));
        assertTrue(res.get("ttft_ms").get("p90").asDouble() <= 2000 && res.get("tpot_ms").get("p90").asDouble() <= 200, res.toString());
        assertEquals(conf.ttftP90Ms(), res.get("ttft_ms").get("p90").asDouble(), 1e-9, "the command line reproduces the confirmation run");
        assertEquals(conf.tpotP90Ms(), res.get("tpot_ms").get("p90").asDouble(), 1e-9);
        assertSteadyStateRun(cmd, conf.qps(), res);

        // a tensor-parallel prefill pool beside a wide-EP decode pool: --ep-mode off:ll, the same run either way
        io.moesim.sim.tune.DeploymentSearch.Candidate mixed = new io.moesim.sim.tune.DeploymentSearch.Candidate(true, "h100x2", 1, "h100x4", 1, 8,
                6, io.moesim.sim.tune.DeploymentSearch.Layout.tp(2), io.moesim.sim.tune.DeploymentSearch.Layout.wideEp(4), null);
        io.moesim.sim.tune.DeploymentSearch.Confirmed m = io.moesim.sim.tune.DeploymentSearch.confirm(
                new io.moesim.sim.tune.DeploymentSearch.Estimate(mixed, 20, 100, 10, 1), o);
        assertEquals("serving", m.kind());
        assertTrue(m.commandLine().contains("--ep-mode off:ll") && m.commandLine().contains("--prefill-max-batch 8 --decode-max-batch 32"),
                m.commandLine());
        JsonNode mr = runOnItsOwn(m.commandLine(), tmp.resolve("mixed.json"));
        assertEquals(m.ttftP90Ms(), mr.get("ttft_ms").get("p90").asDouble(), 1e-9);
        assertEquals(m.tpotP90Ms(), mr.get("tpot_ms").get("p90").asDouble(), 1e-9);
    }

    /**
     * The confirmations run as points of the sweep engine, stored under --out-dir: a second run with the same
     * folder finds every point stored (a killed search resumes), and gives the same result; --html writes the page.
     */
    @Test
    void confirmationsAreStoredSweepPointsAndAResumedRunGivesTheSameResult() throws Exception {
        Path store = tmp.resolve("store");
        String[] args = {"tune", "--model", "olmoe-1b-7b", "--devices", "h100", "--budget", "2", "--max-batches", "32", "--in", "256", "--out",
            "32", "--requests", "40", "--cost-model", "roofline", "--sla-ttft-ms", "200", "--sla-tpot-ms", "20", "--finalists", "2",
            "--out-dir", store.toString(), "--parallelism", "1"};
        List<String> first = new ArrayList<>(Arrays.asList(args));
        first.addAll(List.of("--json", tmp.resolve("a.json").toString(), "--html", tmp.resolve("a.html").toString()));
        CliRunner.Outcome a = CliRunner.run(first.toArray(String[]::new));
        assertEquals(0, a.code(), a.err());
        Path points = store.resolve("tune-confirm-1").resolve("points");
        long stored;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(points)) {
            stored = s.filter(f -> f.toString().endsWith(".json")).count();
        }
        assertEquals(2, stored, "one stored point per finalist");
        List<String> second = new ArrayList<>(Arrays.asList(args));
        second.addAll(List.of("--json", tmp.resolve("b.json").toString()));
        CliRunner.Outcome b = CliRunner.run(second.toArray(String[]::new));
        assertEquals(0, b.code(), b.err());
        JsonNode ja = M.readTree(tmp.resolve("a.json").toFile());
        JsonNode jb = M.readTree(tmp.resolve("b.json").toFile());
        assertEquals(ja.get("finalists"), jb.get("finalists"));
        assertEquals(ja.get("best"), jb.get("best"));
        // the resumed run read the stored points rather than recomputing them: with a stored TTFT altered (still within
        // the limit), a third run reports the altered figure
        List<Path> files;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(points)) {
            files = s.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        for (Path f : files) {
            String text = java.nio.file.Files.readString(f);
            String altered = text.replaceFirst("\"ttft_p90_ms\":[0-9.Ee+-]+", "\"ttft_p90_ms\":123.25");
            assertTrue(!altered.equals(text), "a stored point has its TTFT: " + text);
            java.nio.file.Files.writeString(f, altered);
        }
        List<String> third = new ArrayList<>(Arrays.asList(args));
        third.addAll(List.of("--json", tmp.resolve("c.json").toString()));
        CliRunner.Outcome c = CliRunner.run(third.toArray(String[]::new));
        assertEquals(0, c.code(), c.err());
        for (JsonNode f : M.readTree(tmp.resolve("c.json").toFile()).get("finalists")) {
            assertEquals(123.25, f.get("simulated_ttft_p90_ms").asDouble(), 0.0, "the finalist came from its stored point: " + f);
        }
        String html = java.nio.file.Files.readString(tmp.resolve("a.html"));
        assertTrue(html.contains("data:image/svg+xml;base64,") && html.contains("Best deployment"), html);
        assertTrue(html.contains(ja.get("best").get("command_line").asText()), "the best command line is on the page");
    }

    @Test
    void badTuneInputIsOneLineAndExit2() {
        CliRunner.Outcome o = CliRunner.run("tune", "--model", "olmoe-1b-7b", "--devices", "nosuch", "--budget", "2", "--sla-ttft-ms", "200",
                "--sla-tpot-ms", "20");
        assertEquals(2, o.code(), o.err());
        assertFalse(o.err().isBlank());
        CliRunner.Outcome z = CliRunner.run("tune", "--model", "olmoe-1b-7b", "--budget", "0", "--sla-ttft-ms", "200", "--sla-tpot-ms", "20");
        assertEquals(2, z.code(), z.err());
    }
}
