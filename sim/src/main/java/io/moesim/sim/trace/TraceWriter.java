package io.moesim.sim.trace;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.moesim.compiler.plan.Task;
import io.moesim.sim.system.ExecutionResult;
import io.moesim.sim.system.PreparedPlan;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Streams a Chrome trace-event / Perfetto JSON timeline ({@code {"traceEvents": [...]}}): one
 * process per device, one thread per processor stream ({@code xpu/s0}) and per link port
 * ({@code link}), "X" complete events with {@code ts} and {@code dur} in microseconds. A serving run
 * adds a "serving" process whose thread shows each iteration. Lanes never hold overlapping events:
 * a stream runs its tasks in order and a port one collective at a time.
 *
 * <p>Use one writer per file; call {@link #close()} to finish the JSON.
 */
public final class TraceWriter implements AutoCloseable {
    private static final JsonFactory FACTORY = new JsonFactory();
    private final JsonGenerator g;
    private final Object2IntOpenHashMap<String> threads = new Object2IntOpenHashMap<>();
    private final java.util.Set<Integer> namedProcesses = new java.util.HashSet<>();
    private int servingPid = -1;
    private long eventCount;

    public TraceWriter(OutputStream out) {
        try {
            g = FACTORY.createGenerator(out);
            g.writeStartObject();
            g.writeStringField("displayTimeUnit", "ns");
            g.writeArrayFieldStart("traceEvents");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes every task of one execution, shifted by {@code offsetPs} (the iteration's start). */
    public void execution(ExecutionResult r, long offsetPs) {
        PreparedPlan p = r.plan();
        try {
            for (Task t : p.plan().tasks()) {
                int pid = t.device();
                int inst = p.instanceOf(t.id());
                String lane = inst >= 0 ? "link" : t.processor() + "/s" + t.stream();
                int tid = thread(pid, lane);
                g.writeStartObject();
                g.writeStringField("name", t.name());
                g.writeStringField("cat", inst >= 0 ? "comm" : t.layerType());
                g.writeStringField("ph", "X");
                g.writeNumberField("pid", pid);
                g.writeNumberField("tid", tid);
                g.writeNumberField("ts", us(offsetPs + r.startPs(t.id())));
                g.writeNumberField("dur", us(r.endPs(t.id()) - r.startPs(t.id())));
                g.writeObjectFieldStart("args");
                g.writeStringField("op", t.op().mnemonic());
                g.writeNumberField("task", t.id());
                g.writeNumberField("layer", t.layer());
                if (inst >= 0) {
                    g.writeStringField("algorithm", p.instanceCost(inst).algorithm());
                    g.writeNumberField("link_bytes", t.linkBytes());
                } else {
                    g.writeNumberField("flops", t.flops());
                    g.writeNumberField("bytes", t.bytes());
                }
                g.writeEndObject();
                g.writeEndObject();
                eventCount++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One serving iteration as a span on the "serving" process (placed after the devices). */
    public void iteration(long index, long startPs, long durationPs, int decodes, int prefills, long prefillTokens, int devices) {
        try {
            if (servingPid < 0) {
                servingPid = devices;
            }
            int tid = thread(servingPid, "iterations");
            g.writeStartObject();
            g.writeStringField("name", "iteration " + index);
            g.writeStringField("cat", "serving");
            g.writeStringField("ph", "X");
            g.writeNumberField("pid", servingPid);
            g.writeNumberField("tid", tid);
            g.writeNumberField("ts", us(startPs));
            g.writeNumberField("dur", us(durationPs));
            g.writeObjectFieldStart("args");
            g.writeNumberField("decodes", decodes);
            g.writeNumberField("prefills", prefills);
            g.writeNumberField("prefill_tokens", prefillTokens);
            g.writeEndObject();
            g.writeEndObject();
            eventCount++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long events() {
        return eventCount;
    }

    private int thread(int pid, String lane) throws IOException {
        if (namedProcesses.add(pid)) {
            meta("process_name", pid, 0, pid == servingPid ? "serving" : "device " + pid);
            meta("process_sort_index", pid, 0, null);
        }
        String key = pid + "|" + lane;
        int tid = threads.getOrDefault(key, -1);
        if (tid < 0) {
            tid = threads.size() + 1;
            threads.put(key, tid);
            meta("thread_name", pid, tid, lane);
        }
        return tid;
    }

    private void meta(String name, int pid, int tid, String value) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("ph", "M");
        g.writeNumberField("pid", pid);
        g.writeNumberField("tid", tid);
        g.writeObjectFieldStart("args");
        if (value == null) {
            g.writeNumberField("sort_index", pid);
        } else {
            g.writeStringField("name", value);
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static double us(long ps) {
        return ps / 1e6;
    }

    @Override
    public void close() {
        try {
            g.writeEndArray();
            g.writeEndObject();
            g.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
