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
        // budget 2, sizes 1 and 2: aggregated h100x1 (2 replicas), h100x2; disaggregated h100x1:h100x1 (1:1)
        assertEquals(3, j.get("candidates").asInt());
        JsonNode best = j.get("best");
        assertTrue(best.get("meets_sla").asBoolean());
        String cmd = best.get("command_line").asText();
        String line = cmd.contains("#") ? cmd.substring(0, cmd.indexOf('#')) : cmd;
        List<String> args = new ArrayList<>(Arrays.asList(line.strip().split("\\s+")));
        assertEquals("moesim", args.remove(0));
        Path r = tmp.resolve("best.json");
        args.add("--json");
        args.add(r.toString());
        CliRunner.Outcome s = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, s.code(), s.err());
        JsonNode res = M.readTree(r.toFile());
        assertTrue(res.get("ttft_ms").get("p90").asDouble() <= 200, res.get("ttft_ms").toString());
        assertTrue(res.get("tpot_ms").get("p90").asDouble() <= 20, res.get("tpot_ms").toString());
        assertEquals(best.get("simulated_tpot_p90_ms").asDouble(), res.get("tpot_ms").get("p90").asDouble(), 1e-9,
                "the command line reproduces the confirmation run");
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
