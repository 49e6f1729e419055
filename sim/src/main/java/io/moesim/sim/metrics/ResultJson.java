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
            g.writeNumberField("throughput_tokens_per_s", r.throughputTokensPerS());
            g.writeNumberField("requests_per_s", r.requestsPerS());
            latency(g, "ttft_ms", r.ttft());
            latency(g, "tbt_ms", r.tbt());
            latency(g, "e2e_ms", r.e2e());
            latency(g, "tpot_ms", r.tpot());
            doubles(g, "utilization", r.utilization());
            doubles(g, "link_utilization", r.linkUtilization());
            g.writeNumberField("mfu", r.mfu());
            g.writeNumberField("hbm_bw_util", r.hbmBwUtil());
            g.writeNumberField("energy_j_per_token", r.energyJPerToken());
            g.writeObjectFieldStart("energy_j");
            g.writeNumberField("dram", r.energy().dramJ());
            g.writeNumberField("sram", r.energy().sramJ());
            g.writeNumberField("logic", r.energy().logicJ());
            g.writeNumberField("link", r.energy().linkJ());
            g.writeNumberField("static", r.energy().staticJ());
            g.writeNumberField("total", r.energy().totalJ());
            g.writeEndObject();
            g.writeNumberField("simulated_s", r.simulatedS());
            g.writeNumberField("roofline_bound_s", r.rooflineBoundS());
            g.writeNumberField("requests", r.requestsCompleted());
            g.writeNumberField("output_tokens", r.outputTokens());
            g.writeNumberField("prompt_tokens", r.promptTokens());
            g.writeNumberField("iterations", r.iterations());
            g.writeNumberField("preemptions", r.preemptions());
            g.writeNumberField("peak_kv_tokens", r.peakKvTokens());
            g.writeNumberField("kv_capacity_tokens", r.kvCapacityTokens());
            g.writeObjectFieldStart("caches");
            for (Map.Entry<String, Long> e : r.caches().entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            for (Map.Entry<String, Object> e : sections.entrySet()) {
                g.writeFieldName(e.getKey());
                value(g, e.getValue());
            }
            g.writeObjectFieldStart("config");
            for (Map.Entry<String, Object> e : r.config().entrySet()) {
                g.writeFieldName(e.getKey());
                value(g, e.getValue());
            }
            g.writeEndObject();
            if (r.simWallS().isPresent()) {
                g.writeNumberField("sim_wall_s", r.simWallS().getAsDouble());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void latency(JsonGenerator g, String key, LatencyStats s) throws IOException {
        g.writeObjectFieldStart(key);
        g.writeNumberField("p50", s.p50Ms());
        g.writeNumberField("p90", s.p90Ms());
        g.writeNumberField("p99", s.p99Ms());
        g.writeNumberField("mean", s.meanMs());
        g.writeNumberField("max", s.maxMs());
        g.writeNumberField("count", s.count());
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
