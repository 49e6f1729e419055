package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ExpertBatchingCommandTest {

    private static double num(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([0-9.eE+-]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void expertAwareBatchingReadsFewerExpertsAndSavesLatency() {
        CliRunner.Outcome o = CliRunner.run("expert-batching", "--model", "mixtral-8x7b", "--system", "h100x2", "--pool", "32", "--batch", "16", "--json");
        assertEquals(0, o.code(), o.err());
        String j = o.out();
        assertEquals(2, num(j, "steps"));
        assertTrue(num(j, "aware_mean_active_experts") < num(j, "plain_mean_active_experts"), j);
        assertTrue(num(j, "aware_expert_weight_bytes") < num(j, "plain_expert_weight_bytes"), j);
        assertTrue(num(j, "latency_saving") > 0, j);
    }

    @Test
    void aBatchLargerThanThePoolIsOneLineAndExit2() {
        CliRunner.Outcome o = CliRunner.run("expert-batching", "--model", "mixtral-8x7b", "--system", "h100x2", "--pool", "8", "--batch", "16");
        assertEquals(2, o.code(), o.out());
        assertTrue(o.err().contains("1 <= batch <= pool"), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
    }
}
