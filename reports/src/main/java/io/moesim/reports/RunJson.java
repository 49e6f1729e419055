package io.moesim.reports;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.sim.metrics.LatencyStats;
import io.moesim.sim.metrics.ResultSchema;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/** Reads the JSON the simulator's {@code ResultJson} writes back into a {@link RunSummary}. */
final class RunJson {
    private RunJson() {
    }

    static RunSummary parse(String source, JsonNode root) {
        JsonNode config = root.path(ResultSchema.CONFIG);
        String mode = text(config, "mode");
        double qps = config.path("qps").isNumber() ? config.path("qps").asDouble() : 0;
        double rps = number(source, root, ResultSchema.REQUESTS_PER_S);
        return new RunSummary(source, text(config, "system"), text(config, "model"), mode,
                RunSummary.offeredRate(mode, qps, rps), config.path("batch").asLong(0),
                number(source, root, ResultSchema.THROUGHPUT), rps,
                latency(source, root, ResultSchema.Latency.TTFT.jsonKey()), latency(source, root, ResultSchema.Latency.TBT.jsonKey()),
                latency(source, root, ResultSchema.Latency.E2E.jsonKey()), fractions(source, root, ResultSchema.UTILIZATION),
                number(source, root, ResultSchema.ENERGY_J_PER_TOKEN), number(source, root, ResultSchema.MFU),
                config.path("max_batch").asLong(0));
    }

    private static String text(JsonNode config, String key) {
        JsonNode v = config.get(key);
        return v == null || v.isNull() ? "unknown" : v.asText();
    }

    private static double number(String source, JsonNode parent, String key) {
        return number(source, parent, key, key);
    }

    private static double number(String source, JsonNode parent, String key, String path) {
        JsonNode v = parent.get(key);
        if (v == null) {
            throw new ReportException(source + ": '" + path + "' is missing");
        }
        if (!v.isNumber()) {
            throw new ReportException(source + ": '" + path + "' must be a number, found " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return v.asDouble();
    }

    private static LatencyStats latency(String source, JsonNode root, String key) {
        JsonNode o = root.get(key);
        if (o == null || !o.isObject()) {
            throw new ReportException(source + ": '" + key + "' is missing or not an object");
        }
        return new LatencyStats((long) number(source, o, "count", key + ".count"), number(source, o, "mean", key + ".mean"),
                number(source, o, "p50", key + ".p50"), number(source, o, "p90", key + ".p90"),
                number(source, o, "p99", key + ".p99"), number(source, o, "max", key + ".max"));
    }

    private static Map<String, Double> fractions(String source, JsonNode root, String key) {
        JsonNode o = root.get(key);
        if (o == null || !o.isObject()) {
            throw new ReportException(source + ": '" + key + "' is missing or not an object");
        }
        Map<String, Double> out = new TreeMap<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            out.put(name, number(source, o, name, key + "." + name));
        }
        return out;
    }
}
