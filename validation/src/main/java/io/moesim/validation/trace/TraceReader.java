package io.moesim.validation.trace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads measurement traces (JSON lines, see traces/README.md). Blank lines and lines starting with
 * {@code #} are skipped. The first bad line stops the read with a {@link TraceException} whose
 * message is {@code file:line: reason}; unknown keys are errors so a typo never passes silently.
 */
public final class TraceReader {
    private static final ObjectMapper JSON = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Set<String> KEYS = Set.of("op", "gpu", "target", "system", "median_us", "p10_us", "p90_us", "reps",
            "reported", "source", "note", "env");
    private static final Set<String> REPORTED_KEYS = Set.of("value", "unit", "convention");
    private static final Set<String> ENV_KEYS = Set.of("driver", "cuda", "sm_clock_MHz", "mem_clock_MHz", "date", "timing", "load");

    private TraceReader() {
    }

    /** Reads a file, or every {@code *.jsonl} file of a folder in name order; splits are assigned over everything read. */
    public static List<Measurement> read(Path path) {
        return Split.assign(readRaw(path));
    }

    private static List<Measurement> readRaw(Path path) {
        if (Files.isDirectory(path)) {
            List<Measurement> all = new ArrayList<>();
            try (Stream<Path> s = Files.list(path)) {
                for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList()) {
                    all.addAll(readRaw(p));
                }
            } catch (IOException e) {
                throw new TraceException(path.toString(), 0, "cannot list folder: " + e.getMessage());
            }
            return all;
        }
        List<String> lines;
        lines = io.moesim.ir.io.TextFiles.read(path).lines().toList();
        List<Measurement> rows = parseRaw(path.toString(), lines);
        if (rows.isEmpty()) {
            throw new TraceException(path.toString(), 0, "no measurements (every line is empty or a comment)");
        }
        return rows;
    }

    public static List<Measurement> parse(String file, List<String> lines) {
        return Split.assign(parseRaw(file, lines));
    }

    private static List<Measurement> parseRaw(String file, List<String> lines) {
        List<Measurement> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                out.add(parseLine(line, file + ":" + (i + 1)));
            } catch (IllegalArgumentException e) {
                throw new TraceException(file, i + 1, e.getMessage());
            } catch (JsonProcessingException e) {
                throw new TraceException(file, i + 1, "not a JSON object: " + e.getOriginalMessage());
            } catch (UncheckedIOException e) {
                throw new TraceException(file, i + 1, e.getMessage());
            }
        }
        return out;
    }

    static Measurement parseLine(String line, String where) throws JsonProcessingException {
        JsonNode n = JSON.readTree(line);
        if (!(n instanceof ObjectNode o)) {
            throw new IllegalArgumentException("each line must be a JSON object");
        }
        checkKeys(o, KEYS, "");
        OpForm op;
        try {
            op = OpForm.parse(text(o, "op", true));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("op: " + e.getMessage());
        }
        IrOps.apply(op); // validates the kind and its attributes now, with this line's number
        String gpu = text(o, "gpu", true);
        String source = text(o, "source", true);
        Optional<Reported> reported = Optional.empty();
        if (o.has("reported")) {
            JsonNode r = o.get("reported");
            if (!(r instanceof ObjectNode ro)) {
                throw new IllegalArgumentException("reported must be an object {value, unit, convention}");
            }
            checkKeys(ro, REPORTED_KEYS, "reported.");
            reported = Optional.of(new Reported(number(ro, "value", true), Reported.Unit.parse(text(ro, "unit", true)),
                    text(ro, "convention", false)));
        }
        double median = number(o, "median_us", false);
        String conversion;
        if (reported.isPresent()) {
            Conversion.Result c = Conversion.toMicros(op, reported.get());
            if (!Double.isNaN(median)) {
                throw new IllegalArgumentException("give either median_us or reported, not both");
            }
            median = c.us();
            conversion = c.formula();
        } else if (Double.isNaN(median)) {
            throw new IllegalArgumentException("missing median_us (or a reported figure to convert)");
        } else {
            conversion = "measured";
        }
        GpuEnvironment env = GpuEnvironment.named(gpu);
        if (o.has("env")) {
            if (!(o.get("env") instanceof ObjectNode e)) {
                throw new IllegalArgumentException("env must be an object");
            }
            checkKeys(e, ENV_KEYS, "env.");
            env = new GpuEnvironment(gpu, text(e, "driver", false), text(e, "cuda", false), zeroIfNaN(number(e, "sm_clock_MHz", false)),
                    zeroIfNaN(number(e, "mem_clock_MHz", false)), text(e, "date", false), text(e, "timing", false), text(e, "load", false));
            if (!env.timing().isEmpty() && !env.timing().matches("[a-z0-9-]+")) {
                throw new IllegalArgumentException("env.timing: a harness id of lower-case letters, digits and '-', got '" + env.timing() + "'");
            }
        }
        double reps = number(o, "reps", false);
        double p10 = number(o, "p10_us", false);
        double p90 = number(o, "p90_us", false);
        if (!Double.isNaN(p10) && !Double.isNaN(p90) && p10 > p90) {
            throw new IllegalArgumentException("p10_us " + p10 + " exceeds p90_us " + p90);
        }
        String system = text(o, "system", false);
        if (IrOps.isCollective(op.kind()) && system.isEmpty()) {
            throw new IllegalArgumentException(op.kind() + " needs a \"system\" (e.g. h100x8)");
        }
        return new Measurement(op, gpu, text(o, "target", false), system, median, p10, p90,
                Double.isNaN(reps) ? 0 : (int) reps, reported, conversion, source, text(o, "note", false), env, where, null);
    }

    private static void checkKeys(ObjectNode o, Set<String> known, String prefix) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown key '" + prefix + k + "' (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    private static String text(ObjectNode o, String key, boolean required) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException("missing \"" + key + "\"");
            }
            return "";
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("\"" + key + "\" must be a string");
        }
        if (required && v.asText().isBlank()) {
            throw new IllegalArgumentException("\"" + key + "\" must not be empty");
        }
        return v.asText();
    }

    private static double number(ObjectNode o, String key, boolean required) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException("missing \"" + key + "\"");
            }
            return Double.NaN;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("\"" + key + "\" must be a number, got " + v);
        }
        double d = v.asDouble();
        if (!(d >= 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("\"" + key + "\" must be a finite number >= 0, got " + v);
        }
        return d;
    }

    private static double zeroIfNaN(double d) {
        return Double.isNaN(d) ? 0 : d;
    }
}
