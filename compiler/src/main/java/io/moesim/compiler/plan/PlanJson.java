package io.moesim.compiler.plan;

import io.moesim.ir.TensorType;
import io.moesim.ir.op.Attrs;
import io.moesim.ir.op.Op;
import it.unimi.dsi.fastutil.ints.IntImmutableList;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Writes a {@link HardwarePlan} as JSON, keys in a fixed order so equal plans give equal bytes, in the layout of
 * Jackson's default pretty printer ({@link PrettyJsonWriter}). A task's attributes and input types are rendered once
 * per op and per type: the devices of a sharded op share one op, and a plan of 20,000 tasks has a few hundred.
 */
public final class PlanJson {
    /** Objects enclosing a task's attributes: the plan, the task. */
    private static final int ATTRS_DEPTH = 2;

    private PlanJson() {
    }

    public static String toJson(HardwarePlan plan) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        write(plan, bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    public static void write(HardwarePlan plan, Writer out) {
        try {
            out.write(toJson(plan));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The plan as UTF-8 (a plan file of 20,000 tasks is 16 MB). The stream is flushed, not closed. */
    public static void write(HardwarePlan plan, OutputStream out) {
        try {
            new Emitter(out).plan(plan);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One plan's writing, with its memoised fragments. */
    private static final class Emitter {
        private final PrettyJsonWriter g;
        private final Map<Op, byte[]> attrs = new IdentityHashMap<>();
        private final Map<TensorType, byte[]> types = new HashMap<>();

        Emitter(OutputStream out) {
            this.g = new PrettyJsonWriter(out);
        }

        void plan(HardwarePlan plan) throws IOException {
            g.beginObject();
            g.key("schema_version");
            g.value(HardwarePlan.SCHEMA_VERSION);
            g.key("system");
            g.value(plan.system());
            g.key("model");
            g.value(plan.model());
            g.key("devices");
            g.value(plan.devices());
            g.key("options");
            scalars(g, plan.options());
            g.key("tasks");
            g.beginArray();
            for (Task t : plan.tasks()) {
                task(t);
            }
            g.endArray();
            g.key("memory");
            g.beginArray();
            for (DeviceMemory m : plan.memory()) {
                g.beginObject();
                field("device", m.device());
                field("weights_bytes", m.weightBytes());
                field("kv_cache_bytes", m.kvCacheBytes());
                field("activation_bytes", m.activationBytes());
                field("total_bytes", m.totalBytes());
                field("capacity_bytes", m.capacityBytes());
                g.key("fits");
                g.value(m.fits());
                g.endObject();
            }
            g.endArray();
            g.endObject();
            g.raw('\n');
            g.flush();
        }

        private void task(Task t) throws IOException {
            g.beginObject();
            field("id", t.id());
            g.key("name");
            g.value(t.name());
            g.key("op");
            g.value(t.op().mnemonic());
            g.key("attrs");
            g.rawValue(attrs.computeIfAbsent(t.op(), Emitter::attrsJson));
            g.key("inputs");
            g.beginArray();
            for (TensorType in : t.inputs()) {
                g.rawValue(types.computeIfAbsent(in, Emitter::typeJson));
            }
            g.endArray();
            field("device", t.device());
            g.key("processor");
            g.value(t.processor());
            field("stream", t.stream());
            g.key("deps");
            ints(t.deps());
            field("flops", t.flops());
            field("bytes", t.bytes());
            g.key("traffic");
            g.beginObject();
            field("weights", t.traffic().weightBytes());
            field("activations_read", t.traffic().activationReadBytes());
            field("activations_written", t.traffic().activationWriteBytes());
            field("kv_read", t.traffic().kvReadBytes());
            field("kv_written", t.traffic().kvWriteBytes());
            g.endObject();
            if (t.link() != null) {
                g.key("link");
                g.value(t.link());
                g.key("link_bytes");
                g.value(t.linkBytes());
                g.key("group");
                ints(t.group());
            }
            field("layer", t.layer());
            g.key("layer_type");
            g.value(t.layerType());
            g.endObject();
        }

        private void ints(IntImmutableList values) throws IOException {
            g.beginArray();
            for (int i = 0; i < values.size(); i++) {
                g.value(values.getInt(i));
            }
            g.endArray();
        }

        private void field(String key, long v) throws IOException {
            g.key(key);
            g.value(v);
        }

        private static byte[] attrsJson(Op op) {
            return fragment(ATTRS_DEPTH, w -> scalars(w, op.attributes().asMap()));
        }

        private static byte[] typeJson(TensorType type) {
            return fragment(0, w -> w.value(type.toString()));
        }
    }

    private interface Body {
        void writeTo(PrettyJsonWriter w) throws IOException;
    }

    private static byte[] fragment(int depth, Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try {
            PrettyJsonWriter w = new PrettyJsonWriter(bytes, depth);
            body.writeTo(w);
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** An object of scalar values: numbers, booleans, arrays of longs, and text (types and identifiers). */
    private static void scalars(PrettyJsonWriter g, Map<String, Object> values) throws IOException {
        g.beginObject();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            g.key(e.getKey());
            Object v = e.getValue();
            if (v instanceof Long l) {
                g.value(l);
            } else if (v instanceof Integer i) {
                g.value(i);
            } else if (v instanceof Double d) {
                g.value(d);
            } else if (v instanceof Boolean b) {
                g.value(b);
            } else if (v instanceof long[] a) {
                g.beginArray();
                for (long x : a) {
                    g.value(x);
                }
                g.endArray();
            } else {
                g.value(v == null ? null : (v instanceof TensorType ? v.toString() : Attrs.format(v)));
            }
        }
        g.endObject();
    }
}
