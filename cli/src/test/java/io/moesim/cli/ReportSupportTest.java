package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A report describes the run that was made: the batch it used and the collective algorithm it was given. */
@Tag("fast")
class ReportSupportTest {
    private static Map<String, String> describe(String... args) {
        CommandLine cl = new CommandLine(new SimulateCommand());
        cl.parseArgs(args);
        SimulateCommand c = cl.getCommand();
        return ReportSupport.describe(c.serving.runSpec(c.system, c.flags), List.of(c.system));
    }

    @Test
    void withoutBatchTheReportSaysTheClosedLoopsDefaultNotTheMaxBatch() {
        // simulate's help: "--batch ... Default: 64 unless --qps is given"; --max-batch defaults to 128 and is not the closed loop's batch
        Map<String, String> m = describe("--model", "mixtral-8x7b", "--system", "duplex-x4", "--requests", "8", "--in", "100", "--out", "20");
        assertEquals("closed loop, batch 64, 8 requests, L_in 100, L_out 20, lengths fixed", m.get("workload"));
        assertEquals("one decode iteration on duplex-x4: batch 64, KV length 110", m.get("roofline and breakdown"));
        assertEquals("auto", m.get("collectives"));
    }

    @Test
    void theCollectiveAlgorithmGivenIsTheOneDescribed() {
        Map<String, String> m = describe("--model", "mixtral-8x7b", "--system", "duplex-x4", "--qps", "4", "--max-batch", "32",
                "--collectives", "ring");
        assertEquals("ring", m.get("collectives"));
        assertEquals("Poisson 4.0 req/s, open loop (max batch 32), 256 requests, L_in 1024, L_out 1024, lengths fixed", m.get("workload"));
        assertEquals("one decode iteration on duplex-x4: batch 32, KV length 1536", m.get("roofline and breakdown"));
    }
}
