package io.moesim.sim.trace;

import io.moesim.compiler.cost.RooflineCostModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.serving.ServingLoopTest;
import io.moesim.sim.serving.StandInPlanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceWriterTest {

    @Test
    void traceIsValidJsonAndEventsNestPerThread(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.json");
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).batch(4).requests(8).lengths(32, 8)
                .trace(file, 5).build();
        Simulator.simulate(r, ServingLoopTest.tinyModel(), ServingLoopTest.system(), new StandInPlanner(ServingLoopTest.system()));
        JsonNode root = new ObjectMapper().readTree(Files.readString(file));
        JsonNode events = root.get("traceEvents");
        assertTrue(events.isArray() && events.size() > 10);
        Map<String, List<double[]>> lanes = new HashMap<>();
        int complete = 0;
        int iterations = 0;
        for (JsonNode e : events) {
            String ph = e.get("ph").asText();
            assertTrue(ph.equals("X") || ph.equals("M"), ph);
            if (ph.equals("X")) {
                complete++;
                double ts = e.get("ts").asDouble();
                double dur = e.get("dur").asDouble();
                assertTrue(ts >= 0 && dur >= 0);
                lanes.computeIfAbsent(e.get("pid").asInt() + "/" + e.get("tid").asInt(), k -> new ArrayList<>()).add(new double[] {ts, ts + dur});
                if (e.get("cat").asText().equals("serving")) {
                    iterations++;
                }
            }
        }
        assertEquals(5, iterations);
        assertTrue(complete > iterations);
        // within a lane, events are either disjoint or one contains the other (here: disjoint, in order)
        for (Map.Entry<String, List<double[]>> lane : lanes.entrySet()) {
            List<double[]> spans = lane.getValue();
            spans.sort((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(b[1], a[1]));
            List<double[]> open = new ArrayList<>();
            for (double[] s : spans) {
                while (!open.isEmpty() && open.get(open.size() - 1)[1] <= s[0] + 1e-9) {
                    open.remove(open.size() - 1);
                }
                if (!open.isEmpty()) {
                    assertTrue(s[1] <= open.get(open.size() - 1)[1] + 1e-9, "lane " + lane.getKey() + " has overlapping events");
                }
                open.add(s);
            }
        }
    }
}
