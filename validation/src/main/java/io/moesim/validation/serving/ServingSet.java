package io.moesim.validation.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.validation.trace.TraceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads a published serving set: JSON lines (blank lines and lines starting with {@code #} skipped), a
 * file or every {@code *.jsonl} of a folder in name order. Unknown keys, missing settings and bad values
 * stop the read with one message, {@code file:line: reason}. The format is in traces/published/serving/README.md.
 */
public final class ServingSet {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("id", "scenario", "framework", "framework_version", "model", "dtype", "gpu", "system", "gpus",
            "tp", "ep", "requests", "in", "out", "qps", "concurrency", "max_batch", "max_num_tokens", "kv_fraction", "chunked_prefill", "harness", "dataset", "measured",
            "source", "note");
    private static final Set<String> MEASURED = Set.of("throughput_tokens_per_s", "ttft_ms_mean", "tpot_ms_mean", "itl_ms_mean");
    private static final Set<String> SOURCE = Set.of("url", "table", "date");

    private ServingSet() {
    }

    /** The published set under a repository root: {@code traces/published/serving}. */
    public static Path published(Path root) {
        return root.resolve("traces").resolve("published").resolve("serving");
    }

    /**
     * Rows of an engine no serving figure was fitted on, under {@link #published}: {@code engine-left-out} (TensorRT-LLM's
     * v1.0 and v0.20 PyTorch-backend throughput tables; the engine figures were fitted on v0.17's TensorRT engines). Not read by the
     * published set; {@code validate --serving --measurements} runs them. Every row is out of sample whatever split its id
     * hashes to.
     */
    public static Path engineLeftOut(Path root) {
        return published(root).resolve("engine-left-out");
    }

    public static List<ServingRow> read(Path path) {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new TraceException(path.toString(), 0, "cannot list: " + e.getMessage());
            }
            if (files.isEmpty()) {
                throw new TraceException(path.toString(), 0, "no *.jsonl files");
            }
        } else {
            files.add(path);
        }
        List<ServingRow> rows = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Path f : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f);
            } catch (IOException e) {
                throw new TraceException(f.toString(), 0, "cannot read: " + e.getMessage());
            }
            for (int i = 0; i < lines.size(); i++) {
                String text = lines.get(i).strip();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                ServingRow r = parse(text, f.toString(), i + 1);
                if (!ids.add(r.id())) {
                    throw new TraceException(f.toString(), i + 1, "duplicate id '" + r.id() + "'");
                }
                rows.add(r);
            }
        }
        if (rows.isEmpty()) {
            throw new TraceException(path.toString(), 0, "no rows");
        }
        java.util.Map<String, ServingHarness> harnesses = ServingHarness.read(path);
        rows.stream().filter(r -> r.harness().isPresent()).forEach(r -> ServingHarness.named(r, harnesses));
        java.util.Map<String, ServingDataset> datasets = ServingDataset.read(path);
        rows.stream().filter(r -> r.dataset().isPresent()).forEach(r -> ServingDataset.named(r, datasets));
        return rows;
    }

    static ServingRow parse(String text, String file, int line) {
        JsonNode n;
        try {
            n = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new TraceException(file, line, "not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new TraceException(file, line, "expected one JSON object per line");
        }
        Reader r = new Reader(file, line);
        r.keys(n, KEYS, "");
        ServingRow.Scenario scenario;
        String sc = r.text(n, "scenario");
        try {
            scenario = ServingRow.Scenario.valueOf(sc.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw r.error("scenario: unknown '" + sc + "' (expected offline, server or closed)");
        }
        double qps = n.has("qps") ? r.positive(n, "qps") : 0;
        int concurrency = n.has("concurrency") ? r.whole(n, "concurrency") : 0;
        if (scenario == ServingRow.Scenario.SERVER && qps == 0) {
            throw r.error("qps: a server row needs its arrival rate");
        }
        if (scenario == ServingRow.Scenario.CLOSED && concurrency == 0) {
            throw r.error("concurrency: a closed row needs its requests in flight");
        }
        if (scenario != ServingRow.Scenario.SERVER && n.has("qps") || scenario != ServingRow.Scenario.CLOSED && n.has("concurrency")) {
            throw r.error("qps belongs to server rows and concurrency to closed rows only");
        }
        double kv = n.has("kv_fraction") ? r.positive(n, "kv_fraction") : 0;
        if (kv > 1) {
            throw r.error("kv_fraction: must be in (0, 1], got " + kv);
        }
        int tp = r.whole(n, "tp");
        int ep = n.has("ep") ? r.whole(n, "ep") : 1;
        if (n.has("gpus") && r.whole(n, "gpus") != tp * ep) {
            throw r.error("gpus: " + r.whole(n, "gpus") + " is not tp x ep = " + tp * ep);
        }
        JsonNode m = n.get("measured");
        if (m == null || !m.isObject()) {
            throw r.error("measured: expected an object with throughput_tokens_per_s (and ttft_ms_mean, tpot_ms_mean or itl_ms_mean where published)");
        }
        r.keys(m, MEASURED, "measured.");
        ServingRow.Measured measured;
        try {
            measured = new ServingRow.Measured(r.positive(m, "throughput_tokens_per_s"),
                    m.has("ttft_ms_mean") ? OptionalDouble.of(r.positive(m, "ttft_ms_mean")) : OptionalDouble.empty(),
                    m.has("tpot_ms_mean") ? OptionalDouble.of(r.positive(m, "tpot_ms_mean")) : OptionalDouble.empty(),
                    m.has("itl_ms_mean") ? OptionalDouble.of(r.positive(m, "itl_ms_mean")) : OptionalDouble.empty());
        } catch (IllegalArgumentException e) {
            throw r.error("measured: " + e.getMessage());
        }
        JsonNode s = n.get("source");
        if (s == null || !s.isObject()) {
            throw r.error("source: expected an object {url, table, date}");
        }
        r.keys(s, SOURCE, "source.");
        ServingRow.Source source = new ServingRow.Source(r.text(s, "url"), r.text(s, "table"), r.text(s, "date"));
        return new ServingRow(r.text(n, "id"), scenario, r.text(n, "framework"), n.has("framework_version") ? r.text(n, "framework_version") : "",
                r.text(n, "model"), r.text(n, "dtype"), r.text(n, "system"), tp, ep, r.whole(n, "requests"), r.whole(n, "in"), r.whole(n, "out"),
                qps, concurrency, r.whole(n, "max_batch"), r.whole(n, "max_num_tokens"), kv,
                n.has("chunked_prefill") ? Optional.of(r.flag(n, "chunked_prefill")) : Optional.empty(),
                n.has("harness") ? Optional.of(r.text(n, "harness")) : Optional.empty(),
                n.has("dataset") ? Optional.of(r.text(n, "dataset")) : Optional.empty(), measured, source,
                n.has("note") ? r.text(n, "note") : "", file, line);
    }

    /** Field readers that fail with file:line and the key. */
    private record Reader(String file, int line) {
        TraceException error(String reason) {
            return new TraceException(file, line, reason);
        }

        void keys(JsonNode n, Set<String> allowed, String prefix) {
            for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    throw error(prefix + k + ": unknown key (known: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
            }
        }

        String text(JsonNode n, String key) {
            JsonNode v = n.get(key);
            if (v == null || !v.isTextual() || v.asText().isBlank()) {
                throw error(key + ": expected a non-empty string");
            }
            return v.asText();
        }

        boolean flag(JsonNode n, String key) {
            JsonNode v = n.get(key);
            if (v == null || !v.isBoolean()) {
                throw error(key + ": expected true or false, got " + (v == null ? "nothing" : v.toString()));
            }
            return v.asBoolean();
        }

        int whole(JsonNode n, String key) {
            JsonNode v = n.get(key);
            if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
                throw error(key + ": expected a whole number >= 1, got " + (v == null ? "nothing" : v.toString()));
            }
            return v.asInt();
        }

        double positive(JsonNode n, String key) {
            JsonNode v = n.get(key);
            if (v == null || !v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
                throw error(key + ": expected a number > 0, got " + (v == null ? "nothing" : v.toString()));
            }
            return v.asDouble();
        }
    }
}
