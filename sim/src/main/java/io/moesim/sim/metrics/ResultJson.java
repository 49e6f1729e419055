package io.moesim.sim.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link SimulationResult} as JSON with Jackson's streaming generator, keys in a fixed
 * order, so equal results give byte-identical text. {@code sim_wall_s} is written last and only
 * when present; compare results with it left out.
 */
public final class ResultJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private ResultJson() {
    }

    public static String toJson(SimulationResult r) {
        StringWriter w = new StringWriter();
        write(r, w);
        return w.toString();
    }

    public static void write(SimulationResult r, Writer out) {
        write(r, Map.of(), out);
    }

    /** The result with extra sections (disaggregation, speculation, prefix cache, SLA), each a key of its own before "config". */
    public static String toJson(SimulationResult r, Map<String, Object> sections) {
        StringWriter w = new StringWriter();
        write(r, sections, w);
        return w.toString();
    }

    public static void write(SimulationResult r, Map<String, Object> sections, Writer out) {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeNumberField(ResultSchema.THROUGHPUT, r.throughputTokensPerS());
            g.writeNumberField(ResultSchema.REQUESTS_PER_S, r.requestsPerS());
            for (ResultSchema.Latency l : ResultSchema.Latency.values()) {
                latency(g, l.jsonKey(), l.of(r));
            }
            doubles(g, ResultSchema.UTILIZATION, r.utilization());
            doubles(g, ResultSchema.LINK_UTILIZATION, r.linkUtilization());
            g.writeNumberField(ResultSchema.MFU, r.mfu());
            g.writeNumberField(ResultSchema.HBM_BW_UTIL, r.hbmBwUtil());
            g.writeNumberField(ResultSchema.ENERGY_J_PER_TOKEN, r.energyJPerToken());
            g.writeObjectFieldStart(ResultSchema.ENERGY_J);
            double[] parts = {r.energy().dramJ(), r.energy().sramJ(), r.energy().logicJ(), r.energy().linkJ(), r.energy().staticJ(),
                r.energy().totalJ()};
            for (int i = 0; i < parts.length; i++) {
                g.writeNumberField(ResultSchema.ENERGY_PARTS.get(i), parts[i]);
            }
            g.writeEndObject();
            g.writeNumberField(ResultSchema.SIMULATED_S, r.simulatedS());
            g.writeNumberField(ResultSchema.ROOFLINE_BOUND_S, r.rooflineBoundS());
            g.writeNumberField(ResultSchema.JSON_REQUESTS, r.requestsCompleted());
            g.writeNumberField(ResultSchema.OUTPUT_TOKENS, r.outputTokens());
            g.writeNumberField(ResultSchema.PROMPT_TOKENS, r.promptTokens());
            g.writeNumberField(ResultSchema.ITERATIONS, r.iterations());
            g.writeNumberField(ResultSchema.PREEMPTIONS, r.preemptions());
            g.writeNumberField(ResultSchema.PEAK_KV_TOKENS, r.peakKvTokens());
            g.writeNumberField(ResultSchema.KV_CAPACITY_TOKENS, r.kvCapacityTokens());
            g.writeObjectFieldStart(ResultSchema.CACHES);
            for (Map.Entry<String, Long> e : r.caches().entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            for (Map.Entry<String, Object> e : sections.entrySet()) {
                g.writeFieldName(e.getKey());
                value(g, e.getValue());
            }
            g.writeObjectFieldStart(ResultSchema.CONFIG);
            for (Map.Entry<String, Object> e : r.config().entrySet()) {
                g.writeFieldName(e.getKey());
                value(g, e.getValue());
            }
            g.writeEndObject();
            if (r.simWallS().isPresent()) {
                g.writeNumberField(ResultSchema.SIM_WALL_S, r.simWallS().getAsDouble());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void latency(JsonGenerator g, String key, LatencyStats s) throws IOException {
        g.writeObjectFieldStart(key);
        for (String stat : ResultSchema.JSON_STATS) {
            if (stat.equals("count")) {
                g.writeNumberField(stat, s.count());
            } else {
                g.writeNumberField(stat, ResultSchema.stat(s, stat));
            }
        }
        g.writeEndObject();
    }

    private static void doubles(JsonGenerator g, String key, Map<String, Double> m) throws IOException {
        g.writeObjectFieldStart(key);
        for (Map.Entry<String, Double> e : m.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Integer || v instanceof Long) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Number n) {
            g.writeNumber(n.doubleValue());
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object o : l) {
                value(g, o);
            }
            g.writeEndArray();
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                value(g, e.getValue());
            }
            g.writeEndObject();
        } else {
            g.writeString(String.valueOf(v));
        }
    }
}
