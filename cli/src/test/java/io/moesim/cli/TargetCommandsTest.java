package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("slow")
class TargetCommandsTest {
    private static final ObjectMapper M = new ObjectMapper();

    @Test
    void targetShowJsonHasPinnedKeys() throws Exception {
        CliRunner.Outcome o = CliRunner.run("target", "show", "duplex", "--json");
        assertEquals(0, o.code(), o.err());
        JsonNode j = M.readTree(o.out());
        for (String k : new String[] {"id", "peak_tflops", "hbm_bandwidth_GBps", "hbm_capacity_GB", "ridge_op_per_byte",
            "pim_internal_bandwidth_GBps", "pim_peak_tflops"}) {
            assertTrue(j.has(k), "missing key " + k + " in " + o.out());
        }
        assertEquals("duplex", j.get("id").asText());
        // the same command twice gives the same bytes
        assertEquals(o.out(), CliRunner.run("target", "show", "duplex", "--json").out());
    }

    @Test
    void setOverrideChangesDerivedFigures() throws Exception {
        JsonNode base = M.readTree(CliRunner.run("target", "show", "h100", "--json").out());
        CliRunner.Outcome o = CliRunner.run("target", "show", "h100", "--json", "--set", "memory.hbm_bandwidth_GBps=3328");
        assertEquals(0, o.code(), o.err());
        JsonNode j = M.readTree(o.out());
        assertEquals(3328.0, j.get("hbm_bandwidth_GBps").asDouble(), 1e-9);
        // the ridge point is peak / bandwidth, so a lower bandwidth raises it
        assertTrue(j.get("ridge_op_per_byte").get("bf16").asDouble() > base.get("ridge_op_per_byte").get("bf16").asDouble());
    }

    @Test
    void badSpecValueIsOneLineExit2() {
        CliRunner.Outcome o = CliRunner.run("target", "show", "h100", "--set", "memory.tRCD_ns=-3");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("memory.tRCD_ns"), o.err());
        assertEquals(1, o.err().strip().split("\n").length, o.err());
    }

    @Test
    void unknownTargetIsExit2() {
        CliRunner.Outcome o = CliRunner.run("target", "show", "h1000");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("h1000"), o.err());
    }

    @Test
    void listsAndOnRequestSystems() throws Exception {
        CliRunner.Outcome t = CliRunner.run("targets");
        assertEquals(0, t.code());
        for (String id : new String[] {"h100", "h200", "mi300x", "xpu", "logic-pim", "duplex", "bank-pim", "bankgroup-pim"}) {
            assertTrue(t.out().contains(id), id);
        }
        CliRunner.Outcome s = CliRunner.run("system", "show", "h200x8", "--json");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("h200"), s.out());
    }
}
