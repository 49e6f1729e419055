package io.moesim.compiler.plan;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Attrs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Map;

/** Writes a {@link HardwarePlan} as JSON, keys in a fixed order so equal plans give equal bytes. */
public final class PlanJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private PlanJson() {
    }

    public static String toJson(HardwarePlan plan) {
        // segments rather than one growing (and synchronised) buffer: a plan of 20,000 tasks is megabytes
        SegmentedStringWriter w = new SegmentedStringWriter(new BufferRecycler());
        write(plan, w);
        try {
            return w.getAndClear();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(HardwarePlan plan, Writer out) {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(plan, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The same bytes as {@link #write(HardwarePlan, Writer)} through a UTF-8 writer, written as UTF-8
     * directly (a plan file of 20,000 tasks is 14 MB; encoding it char by char was a third of a compile).
     */
    public static void write(HardwarePlan plan, java.io.OutputStream out) {
        try (JsonGenerator g = FACTORY.createGenerator(out, com.fasterxml.jackson.core.JsonEncoding.UTF8)) {
            write(plan, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(HardwarePlan plan, JsonGenerator g) throws IOException {
        {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeNumberField("schema_version", HardwarePlan.SCHEMA_VERSION);
            g.writeStringField("system", plan.system());
            g.writeStringField("model", plan.model());
            g.writeNumberField("devices", plan.devices());
            g.writeObjectFieldStart("options");
            for (Map.Entry<String, Object> e : plan.options().entrySet()) {
                writeScalar(g, e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeArrayFieldStart("tasks");
            for (Task t : plan.tasks()) {
                writeTask(g, t);
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
    }

    private static void writeTask(JsonGenerator g, Task t) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", t.id());
        g.writeStringField("name", t.name());
        g.writeStringField("op", t.op().mnemonic());
        g.writeObjectFieldStart("attrs");
        for (Map.Entry<String, Object> e : t.op().attributes().asMap().entrySet()) {
            writeScalar(g, e.getKey(), e.getValue());
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

    private static void writeScalar(JsonGenerator g, String key, Object v) throws IOException {
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
