package io.moesim.compiler.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import io.moesim.compiler.CompileOptions.ExpertPlacement;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.Fixtures;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.Systems;
import io.moesim.ir.TensorType;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.Attrs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The plan writer against a second implementation: Jackson's generator with its default pretty printer (the writer
 * the plan format was first defined by), byte for byte, on real plans and on the values a plan can hold.
 */
class PlanJsonTest {
    private static final JsonFactory FACTORY = new JsonFactory();

    @Test
    void deepSeekOnEightMi300xAsJacksonWritesIt() throws IOException {
        // the compile of issue 16's table: 22,984 tasks with collectives (link, double link_bytes, groups)
        HardwarePlan plan = Compiler.compile(GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("deepseek-v3"), 64, 1024)),
                Systems.load("mi300x8"), Fixtures.options(Fixtures.p(8, 1, 1, 1), Fixtures.p(1, 8, 1, 1), Placement.COPROC,
                        ExpertPlacement.GREEDY, Overlap.TILE, 4), RooflineCostModel.INSTANCE).plan();
        assertSameBytes(plan);
    }

    @Test
    void mixtralOnDuplexAsJacksonWritesIt() throws IOException {
        HardwarePlan plan = Compiler.compile(GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("mixtral-8x7b"), 32, 512)),
                Systems.load("duplex-x4"), Fixtures.options(Fixtures.p(4, 1, 1, 1), Fixtures.p(1, 4, 1, 1), Placement.OPB,
                        ExpertPlacement.GREEDY, Overlap.LAYER, 1), RooflineCostModel.INSTANCE).plan();
        assertSameBytes(plan);
    }

    @Test
    void oddValuesAsJacksonWritesThem() throws IOException {
        // names and options no plan of the zoo has: escapes, non-ASCII, non-finite and extreme numbers, empty containers
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("quote\"back\\slash", "tab\there\nnew\r\b\f\u0001\u001f\u007f");
        options.put("accents", "é ü 漢 \uD83D\uDE00");
        options.put("nan", Double.NaN);
        options.put("inf", Double.NEGATIVE_INFINITY);
        options.put("tiny", 1e-7);
        options.put("huge", 1.0e21);
        options.put("whole", 3.0);
        options.put("min", Long.MIN_VALUE);
        options.put("max", Long.MAX_VALUE);
        options.put("int", -7);
        options.put("flag", false);
        options.put("dims", new long[] {});
        options.put("dims2", new long[] {1, -2, 3});
        options.put("none", null);
        HardwarePlan plan = new HardwarePlan("sys é", "m\u0000", 0, options, List.of(), List.of());
        assertSameBytes(plan);
        HardwarePlan empty = new HardwarePlan("s", "m", 1, Map.of(), List.of(), List.of());
        assertSameBytes(empty);
        assertEquals("{\n  \"schema_version\" : " + HardwarePlan.SCHEMA_VERSION + ",\n  \"system\" : \"s\",\n  \"model\" : \"m\",\n"
                + "  \"devices\" : 1,\n  \"options\" : { },\n  \"tasks\" : [ ],\n  \"memory\" : [ ]\n}\n", PlanJson.toJson(empty));
    }

    private static void assertSameBytes(HardwarePlan plan) throws IOException {
        ByteArrayOutputStream mine = new ByteArrayOutputStream();
        PlanJson.write(plan, mine);
        byte[] oracle = jackson(plan);
        assertEquals(new String(oracle, java.nio.charset.StandardCharsets.UTF_8), PlanJson.toJson(plan));
        assertArrayEquals(oracle, mine.toByteArray());
    }

    /** The plan format as Jackson's generator writes it (the writer of moesim up to 2026-12). */
    private static byte[] jackson(HardwarePlan plan) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeNumberField("schema_version", HardwarePlan.SCHEMA_VERSION);
            g.writeStringField("system", plan.system());
            g.writeStringField("model", plan.model());
            g.writeNumberField("devices", plan.devices());
            g.writeObjectFieldStart("options");
            for (Map.Entry<String, Object> e : plan.options().entrySet()) {
                scalar(g, e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeArrayFieldStart("tasks");
            for (Task t : plan.tasks()) {
                g.writeStartObject();
                g.writeNumberField("id", t.id());
                g.writeStringField("name", t.name());
                g.writeStringField("op", t.op().mnemonic());
                g.writeObjectFieldStart("attrs");
                for (Map.Entry<String, Object> e : t.op().attributes().asMap().entrySet()) {
                    scalar(g, e.getKey(), e.getValue());
                }
                g.writeEndObject();
                g.writeArrayFieldStart("inputs");
                for (TensorType in : t.inputs()) {
                    g.writeString(in.toString());
                }
                g.writeEndArray();
                g.writeNumberField("device", t.device());
                g.writeStringField("processor", t.processor());
                g.writeNumberField("stream", t.stream());
                g.writeArrayFieldStart("deps");
                for (int i = 0; i < t.deps().size(); i++) {
                    g.writeNumber(t.deps().getInt(i));
                }
                g.writeEndArray();
                g.writeNumberField("flops", t.flops());
                g.writeNumberField("bytes", t.bytes());
                g.writeObjectFieldStart("traffic");
                g.writeNumberField("weights", t.traffic().weightBytes());
                g.writeNumberField("activations_read", t.traffic().activationReadBytes());
                g.writeNumberField("activations_written", t.traffic().activationWriteBytes());
                g.writeNumberField("kv_read", t.traffic().kvReadBytes());
                g.writeNumberField("kv_written", t.traffic().kvWriteBytes());
                g.writeEndObject();
                if (t.link() != null) {
                    g.writeStringField("link", t.link());
                    g.writeNumberField("link_bytes", t.linkBytes());
                    g.writeArrayFieldStart("group");
                    for (int i = 0; i < t.group().size(); i++) {
                        g.writeNumber(t.group().getInt(i));
                    }
                    g.writeEndArray();
                }
                g.writeNumberField("layer", t.layer());
                g.writeStringField("layer_type", t.layerType());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("memory");
            for (DeviceMemory m : plan.memory()) {
                g.writeStartObject();
                g.writeNumberField("device", m.device());
                g.writeNumberField("weights_bytes", m.weightBytes());
                g.writeNumberField("kv_cache_bytes", m.kvCacheBytes());
                g.writeNumberField("activation_bytes", m.activationBytes());
                g.writeNumberField("total_bytes", m.totalBytes());
                g.writeNumberField("capacity_bytes", m.capacityBytes());
                g.writeBooleanField("fits", m.fits());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        }
        return out.toByteArray();
    }

    private static void scalar(JsonGenerator g, String key, Object v) throws IOException {
        if (v instanceof Long l) {
            g.writeNumberField(key, l);
        } else if (v instanceof Integer i) {
            g.writeNumberField(key, i);
        } else if (v instanceof Double d) {
            g.writeNumberField(key, d);
        } else if (v instanceof Boolean b) {
            g.writeBooleanField(key, b);
        } else if (v instanceof long[] a) {
            g.writeArrayFieldStart(key);
            for (long x : a) {
                g.writeNumber(x);
            }
            g.writeEndArray();
        } else {
            g.writeStringField(key, v == null ? null : (v instanceof TensorType ? v.toString() : Attrs.format(v)));
        }
    }
}
