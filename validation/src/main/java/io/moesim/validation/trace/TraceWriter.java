package io.moesim.validation.trace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes measurements as JSON lines that {@link TraceReader} reads back to equal records. */
public final class TraceWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TraceWriter() {
    }

    public static String line(Measurement m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("op", m.op().text());
        o.put("gpu", m.gpu());
        if (!m.target().isEmpty()) {
            o.put("target", m.target());
        }
        if (!m.system().isEmpty()) {
            o.put("system", m.system());
        }
        if (m.reported().isPresent()) {
            Reported r = m.reported().get();
            ObjectNode ro = o.putObject("reported");
            ro.put("value", r.value());
            ro.put("unit", r.unit().text());
            if (!r.convention().isEmpty()) {
                ro.put("convention", r.convention());
            }
        } else {
            o.put("median_us", m.medianUs());
        }
        if (m.hasSpread()) {
            o.put("p10_us", m.p10Us());
            o.put("p90_us", m.p90Us());
        }
        if (m.reps() > 0) {
            o.put("reps", m.reps());
        }
        o.put("source", m.source());
        if (!m.note().isEmpty()) {
            o.put("note", m.note());
        }
        GpuEnvironment e = m.env();
        if (!e.driver().isEmpty() || !e.cuda().isEmpty() || e.smClockMHz() > 0 || e.memClockMHz() > 0 || !e.date().isEmpty()
                || !e.timing().isEmpty() || !e.load().isEmpty()) {
            ObjectNode eo = o.putObject("env");
            eo.put("driver", e.driver());
            eo.put("cuda", e.cuda());
            eo.put("sm_clock_MHz", e.smClockMHz());
            eo.put("mem_clock_MHz", e.memClockMHz());
            eo.put("date", e.date());
            if (!e.timing().isEmpty()) {
                eo.put("timing", e.timing());
            }
            if (!e.load().isEmpty()) {
                eo.put("load", e.load());
            }
        }
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static void write(Path file, List<Measurement> rows) {
        List<String> lines = new ArrayList<>();
        for (Measurement m : rows) {
            lines.add(line(m));
        }
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append(l).append('\n');
        }
        io.moesim.ir.io.AtomicFiles.write(file, b.toString());
    }
}
