package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeded hostile-input campaign of issue 15, run through the whole CLI in process: malformed
 * .moeir, target YAML and --set values, Hugging Face configs, routing traces, sweep specs,
 * measurement files, CLI flags and extreme values. Every run has a time limit. The targets are 0
 * stack traces, 0 internal errors (exit 1), 0 hangs, 0 NaN or negative figures in JSON output, 0
 * half-written files, and one line on stderr for bad input (exit 2).
 *
 * <p>CI runs a few inputs per category (well under a minute); {@code -Dmoesim.fuzz.long=true} runs
 * 20 times as many, {@code -Dmoesim.fuzz.seed=N} another seed. The counts per category are printed.
 */
@Tag("slow")
class FuzzCampaignTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final boolean LONG = Boolean.getBoolean("moesim.fuzz.long");
    private static final long SEED = Long.getLong("moesim.fuzz.seed", 15L);
    private static final int SCALE = LONG ? 20 : 1;
    private static final long LIMIT_S = 60;

    /** Outcome counts of one category. */
    private static final class Tally {
        int tried;
        int ok;
        int badInput;
        int unavailable;
        int internal;
        int stackTraces;
        int hangs;
        int badFigures;
        int halfWritten;
        int multiLine;
        final List<String> failures = new ArrayList<>();

        int problems() {
            return internal + stackTraces + hangs + badFigures + halfWritten + multiLine;
        }
    }

    private static final Map<String, Tally> TALLIES = new LinkedHashMap<>();
    private static ExecutorService pool;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fuzz");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void report() {
        pool.shutdownNow();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nfuzz campaign (seed %d, %s): %-14s %6s %5s %5s %5s %5s %5s %5s %5s %5s %5s%n",
                SEED, LONG ? "long" : "short", "category", "tried", "ok", "exit2", "exit3", "exit1", "trace", "hang", "nan/-", "half", "lines"));
        int[] total = new int[10];
        TALLIES.forEach((k, t) -> {
            int[] v = {t.tried, t.ok, t.badInput, t.unavailable, t.internal, t.stackTraces, t.hangs, t.badFigures, t.halfWritten, t.multiLine};
            b.append(String.format(Locale.ROOT, "%-38s%-14s %6d %5d %5d %5d %5d %5d %5d %5d %5d %5d%n", "", k, v[0], v[1], v[2], v[3], v[4],
                    v[5], v[6], v[7], v[8], v[9]));
            for (int i = 0; i < v.length; i++) {
                total[i] += v[i];
            }
        });
        b.append(String.format(Locale.ROOT, "%-38s%-14s %6d %5d %5d %5d %5d %5d %5d %5d %5d %5d%n", "", "TOTAL", total[0], total[1], total[2],
                total[3], total[4], total[5], total[6], total[7], total[8], total[9]));
        System.out.print(b);
    }

    // ------------------------------------------------------------------ running one input

    private static Tally tally(String category) {
        return TALLIES.computeIfAbsent(category, k -> new Tally());
    }

    /** Runs the CLI on {@code args} under the time limit and checks the outcome; {@code outputs} are files it may write. */
    private static void run(String category, List<Path> outputs, String... args) {
        Tally t = tally(category);
        t.tried++;
        String line = String.join(" ", args);
        Future<CliRunner.Outcome> f = pool.submit(() -> {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
            return new CliRunner.Outcome(code, out.toString(), err.toString());
        });
        CliRunner.Outcome o;
        try {
            o = f.get(LIMIT_S, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            t.hangs++;
            t.failures.add("hang (> " + LIMIT_S + " s): " + line);
            return;
        } catch (Exception e) {
            t.internal++;
            t.failures.add("escaped " + e + ": " + line);
            return;
        }
        switch (o.code()) {
            case 0 -> t.ok++;
            case 2 -> t.badInput++;
            case 3 -> t.unavailable++;
            default -> {
                t.internal++;
                t.failures.add("exit " + o.code() + " " + o.err().lines().findFirst().orElse("") + ": " + line + inputs(args));
            }
        }
        if (o.err().contains("\tat ") || o.out().contains("\tat ")) {
            t.stackTraces++;
            t.failures.add("stack trace: " + line);
        }
        if (o.code() == 2) {
            List<String> lines = o.err().lines().filter(l -> !l.startsWith("Try '") && !l.startsWith(Progress.PREFIX)).toList();
            if (lines.size() != 1 || !lines.get(0).startsWith("moesim: ")) {
                t.multiLine++;
                t.failures.add("not one line (" + lines.size() + "): " + line + " -> " + o.err());
            }
        }
        if (o.code() == 0) {
            String bad = badFigures(o.out());
            if (bad != null) {
                t.badFigures++;
                t.failures.add("figure " + bad + ": " + line + inputs(args));
            }
        }
        for (Path p : outputs) {
            String half = halfWritten(p, o.code() == 0);
            if (half != null) {
                t.halfWritten++;
                t.failures.add(half + ": " + line);
            }
        }
    }

    /** A JSON document on stdout must hold no NaN, infinity or negative number; tables no "NaN" or "Infinity". */
    private static String badFigures(String out) {
        String s = out.strip();
        if (s.startsWith("{")) {
            try {
                return walk(JSON.readTree(s), "");
            } catch (IOException e) {
                return "unparsable JSON output";
            }
        }
        // a figure in a table: a whole token (an echoed name such as "HNaN" is not one)
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(^|\\s)[-+]?(NaN|Infinity)%?(?=\\s|$)", java.util.regex.Pattern.MULTILINE)
                .matcher(s);
        return m.find() ? "'" + m.group().strip() + "' in the output" : null;
    }

    /** Figures that are signed by definition (predicted minus measured). */
    private static final java.util.Set<String> SIGNED = java.util.Set.of("error_pct");

    private static String walk(JsonNode n, String path) {
        boolean signed = SIGNED.contains(path.substring(path.lastIndexOf('.') + 1).replaceAll("\\[.*", ""));
        if (n.isNumber() && (!Double.isFinite(n.asDouble()) || (n.asDouble() < 0 && !signed))) {
            return path + " = " + n;
        }
        if (n.isTextual() && java.util.Set.of("NaN", "Infinity", "-Infinity").contains(n.asText())) {
            return path + " = " + n;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String bad = walk(e.getValue(), path + "." + e.getKey());
            if (bad != null) {
                return bad;
            }
        }
        if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                String bad = walk(n.get(i), path + "[" + i + "]");
                if (bad != null) {
                    return bad;
                }
            }
        }
        return null;
    }

    /** No temporary left beside an output; an output that exists after success is whole (JSON parses). */
    private static String halfWritten(Path p, boolean success) {
        Path folder = p.toAbsolutePath().getParent();
        if (folder != null && Files.isDirectory(folder)) {
            try (Stream<Path> s = Files.list(folder)) {
                List<String> tmp = s.map(x -> x.getFileName().toString()).filter(x -> x.startsWith(".tmp-")).toList();
                if (!tmp.isEmpty()) {
                    return "temporary left behind " + tmp;
                }
            } catch (IOException e) {
                return "cannot list " + folder;
            }
        }
        if (success && Files.isRegularFile(p) && p.toString().endsWith(".json")) {
            try {
                JsonNode n = JSON.readTree(Files.readAllBytes(p));
                if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                    o.remove("config"); // the echo of the inputs (a seed may be negative)
                }
                String bad = walk(n, p.getFileName().toString());
                if (bad != null) {
                    return "figure " + bad;
                }
            } catch (IOException e) {
                return "half-written " + p;
            }
        }
        return null;
    }

    private static void assertClean(String category) {
        Tally t = tally(category);
        assertTrue(t.tried > 0);
        assertEquals(0, t.problems(), category + ": " + String.join("\n", t.failures));
    }

    /** The input files named on a failing command line, so a failure can be reproduced from the report. */
    private static String inputs(String[] args) {
        StringBuilder b = new StringBuilder();
        for (String a : args) {
            Path p = Path.of(a.startsWith("trace:") ? a.substring(6) : a);
            if (p.startsWith(dir) && Files.isRegularFile(p)) {
                try {
                    String text = new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
                    b.append("\n--- ").append(p.getFileName()).append(":\n").append(text, 0, Math.min(text.length(), 2000));
                } catch (IOException e) {
                    b.append("\n--- ").append(p).append(": unreadable");
                }
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ generators

    private static final String[] EXTREMES = {"0", "-1", "-5", "1e308", "-1e308", "Infinity", "-Infinity", "NaN", "2147483648", "9223372036854775807",
        "9223372036854775808", "1e-7", "1e-300", "", "abc", "1_0", "0x10", "4.5", "1e13", "999999999999"};

    private static String pick(SplittableRandom r, String[] xs) {
        return xs[r.nextInt(xs.length)];
    }

    private static Path write(String name, String text) {
        return write(name, text.getBytes(StandardCharsets.UTF_8));
    }

    private static Path write(String name, byte[] bytes) {
        try {
            Path p = dir.resolve(name);
            Files.write(p, bytes);
            return p;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Byte-level damage: cut, flipped byte, inserted garbage, an invalid UTF-8 byte, a duplicated slice. */
    private static byte[] mutate(SplittableRandom r, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int n = b.length;
        int at = n == 0 ? 0 : r.nextInt(n);
        return switch (r.nextInt(6)) {
            case 0 -> java.util.Arrays.copyOf(b, at);
            case 1 -> {
                byte[] c = b.clone();
                if (n > 0) {
                    c[at] = (byte) r.nextInt(256);
                }
                yield c;
            }
            case 2 -> {
                byte[] c = new byte[n + 1];
                System.arraycopy(b, 0, c, 0, at);
                c[at] = (byte) 0xFF;
                System.arraycopy(b, at, c, at + 1, n - at);
                yield c;
            }
            case 3 -> (text + pick(r, new String[] {"}", " trailing", "\n\u0000", "{", "]]"})).getBytes(StandardCharsets.UTF_8);
            case 4 -> {
                int len = Math.min(n - at, 1 + r.nextInt(40));
                byte[] c = new byte[n + len];
                System.arraycopy(b, 0, c, 0, at + len);
                System.arraycopy(b, at, c, at + len, n - at);
                yield c;
            }
            default -> new byte[0];
        };
    }

    /** A token-level edit: a number replaced by an extreme value. */
    private static String extremeNumber(SplittableRandom r, String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\d+(\\.\\d+)?").matcher(text);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return text;
        }
        int[] s = spans.get(r.nextInt(spans.size()));
        return text.substring(0, s[0]) + pick(r, EXTREMES) + text.substring(s[1]);
    }

    // ------------------------------------------------------------------ categories

    private static final String MOEIR = "graph @g(%x: bf16[4,64]) {\n"
            + "  %n = rms_norm(%x) {hidden=64, eps=1.0E-5, wdtype=bf16} : bf16[4,64]\n"
            + "  %r = repeat(%n) {count=4} : bf16[4,64] body(%p: bf16[4,64]) {\n"
            + "    %m = matmul(%p) {k=64, n=64, wdtype=bf16} : bf16[4,64]\n"
            + "    %y = add(%p, %m) : bf16[4,64]\n"
            + "    yield %y\n"
            + "  }\n"
            + "  %ids, %w = router(%r) {experts=8, top_k=2, hidden=64, scoring=softmax, wdtype=bf16} : int32[4,2], fp32[4,2]\n"
            + "  %d = dispatch(%r, %ids) {experts=8, top_k=2, tokens=[1,1,1,1,1,1,1,1]} : bf16[8,64]\n"
            + "  %e = expert_ffn(%d) {experts=8, top_k=2, tokens=[1,1,1,1,1,1,1,1], hidden=64, ffn=128, act=swiglu, wdtype=bf16} : bf16[8,64]\n"
            + "  %c = combine(%e, %w) {experts=8, top_k=2, tokens=[1,1,1,1,1,1,1,1]} : bf16[4,64]\n"
            + "  return %c\n"
            + "}\n";

    @Test
    void moeirFiles() {
        SplittableRandom r = new SplittableRandom(SEED);
        run("moeir", List.of(), "check", write("ok.moeir", MOEIR).toString());
        assertEquals(1, tally("moeir").ok, "the unmutated graph must check");
        for (int i = 0; i < 40 * SCALE; i++) {
            byte[] text = r.nextBoolean() ? mutate(r, MOEIR) : extremeNumber(r, MOEIR).getBytes(StandardCharsets.UTF_8);
            run("moeir", List.of(), "check", write("m" + i + ".moeir", text).toString());
        }
        StringBuilder deep = new StringBuilder("graph @g(%x: bf16[4,64]) {\n");
        int depth = 2000;
        for (int i = 0; i < depth; i++) {
            deep.append("%r").append(i).append(" = repeat(%").append(i == 0 ? "x" : "p" + (i - 1)).append(") {count=2} : bf16[4,64] body(%p")
                    .append(i).append(": bf16[4,64]) {\n");
        }
        run("moeir", List.of(), "check", write("deep.moeir", deep.toString()).toString());
        assertClean("moeir");
    }

    @Test
    void targetSpecsAndSets() {
        SplittableRandom r = new SplittableRandom(SEED + 1);
        String[] keys = {"memory.tRFC_ns", "memory.tREFI_ns", "memory.tRAS_ns", "memory.tRC_ns", "memory.tCK_ns", "memory.data_rate_Gbps",
            "memory.hbm_bandwidth_GBps", "memory.stacks", "memory.banks_per_group", "memory.capacity_GB", "processors.sm.clock_MHz",
            "sm.engines", "memory.page_size_B", "memory.burst_length", "memory.generation", "power.board_power_W", "memory.nope"};
        for (int i = 0; i < 40 * SCALE; i++) {
            List<String> a = new ArrayList<>(List.of("target", "show", pick(r, new String[] {"h100", "duplex", "mi300x", "bank-pim"}), "--json"));
            int sets = 1 + r.nextInt(3);
            for (int s = 0; s < sets; s++) {
                a.add("--set");
                a.add(pick(r, keys) + "=" + pick(r, EXTREMES));
            }
            run("target-set", List.of(), a.toArray(new String[0]));
        }
        String yaml = "preset: h100\nname: fuzz\nmemory:\n  tRFC_ns: {value: 350, source: test}\n  tREFI_ns: {value: 3900, source: test}\n";
        for (int i = 0; i < 20 * SCALE; i++) {
            byte[] text = r.nextBoolean() ? mutate(r, yaml) : extremeNumber(r, yaml).getBytes(StandardCharsets.UTF_8);
            run("target-yaml", List.of(), "target", "show", write("t" + i + ".yaml", text).toString());
        }
        run("target-yaml", List.of(), "op", "matmul", "m=64", "n=64", "k=64", "--target", "h100", "--set", "memory.tRFC_ns=3900");
        assertClean("target-set");
        assertClean("target-yaml");
    }

    private static final String HF = "{\"architectures\": [\"MixtralForCausalLM\"], \"hidden_size\": 4096, \"intermediate_size\": 14336,"
            + " \"num_attention_heads\": 32, \"num_experts_per_tok\": 2, \"num_hidden_layers\": 32, \"num_key_value_heads\": 8,"
            + " \"num_local_experts\": 8, \"vocab_size\": 32000, \"hidden_act\": \"silu\", \"rms_norm_eps\": 1e-05}";

    @Test
    void huggingFaceConfigs() {
        SplittableRandom r = new SplittableRandom(SEED + 2);
        run("hf-config", List.of(), "model", "show", write("hf.json", HF).toString(), "--json");
        assertEquals(1, tally("hf-config").ok, "the unmutated config must load");
        for (int i = 0; i < 40 * SCALE; i++) {
            byte[] text = r.nextInt(3) == 0 ? mutate(r, HF) : extremeNumber(r, HF).getBytes(StandardCharsets.UTF_8);
            Path p = write("hf" + i + ".json", text);
            run("hf-config", List.of(), "model", "show", p.toString(), "--json");
        }
        run("hf-config", List.of(), "model", "show", write("act.json", HF.replace("silu", "relu7")).toString());
        assertClean("hf-config");
    }

    private static final String TRACE = "#! moesim-routing v1\nmodel Mixtral-8x7B\nsource fuzz\nexperts 8\ntop_k 2\n"
            + "token 0 0 1\ntoken 0 3 1\ntoken 0 5 6\ncounts 1 6 5 4 4 4 3 3 3\n";

    @Test
    void routingTracesAndSpecs() {
        SplittableRandom r = new SplittableRandom(SEED + 3);
        for (int i = 0; i < 25 * SCALE; i++) {
            byte[] text = r.nextBoolean() ? mutate(r, TRACE) : extremeNumber(r, TRACE).getBytes(StandardCharsets.UTF_8);
            Path p = write("r" + i + ".trace", text);
            run("routing", List.of(), "graph", "--model", "mixtral-8x7b", "--phase", "decode", "--batch", "8", "--kv-len", "64", "--routing",
                    "trace:" + p);
        }
        for (String z : new String[] {"zipf:50", "zipf:1e6", "zipf:-1", "zipf:NaN", "zipf:Infinity", "zipf:", "zipf:1e-300", "nope"}) {
            run("routing", List.of(), "graph", "--model", "mixtral-8x7b", "--phase", "decode", "--batch", "64", "--kv-len", "64", "--routing", z);
        }
        assertClean("routing");
    }

    private static final String MEASUREMENTS = "{\"op\": \"matmul m=1024 n=1024 k=1024 dtype=bf16\", \"gpu\": \"NVIDIA H100\", \"target\": \"h100\","
            + " \"median_us\": 20.5, \"source\": \"fuzz\"}\n"
            + "{\"op\": \"memcpy bytes=1048576\", \"gpu\": \"NVIDIA H100\", \"target\": \"h100\", \"median_us\": 3.1, \"source\": \"fuzz\"}\n";

    @Test
    void measurementFiles() {
        SplittableRandom r = new SplittableRandom(SEED + 4);
        run("measurements", List.of(), "validate", "--measurements", write("meas.jsonl", MEASUREMENTS).toString());
        assertEquals(1, tally("measurements").ok, "the unmutated measurements must validate");
        for (int i = 0; i < 25 * SCALE; i++) {
            byte[] text = r.nextBoolean() ? mutate(r, MEASUREMENTS) : extremeNumber(r, MEASUREMENTS).getBytes(StandardCharsets.UTF_8);
            Path p = write("meas" + i + ".jsonl", text);
            Path json = dir.resolve("meas" + i + "-out.json");
            run("measurements", List.of(json), "validate", "--measurements", p.toString(), "--json", json.toString());
        }
        run("measurements", List.of(), "validate", "--measurements", write("empty.jsonl", "# nothing\n").toString());
        run("measurements", List.of(), "validate", "--measurements", write("attr.jsonl", MEASUREMENTS.replace("k=1024 ", "k=1024 kk=3 ")).toString());
        assertClean("measurements");
    }

    private static final String SWEEP = "name: fuzz\nbase:\n  model: mixtral-8x7b\n  system: h100x4\n  workload:\n    requests: 2\n"
            + "    input_len: 16\n    output_len: 2\n  compile:\n    placement: xpu-only\naxes:\n  batch: [1, 2]\nmetrics:\n"
            + "  - throughput_tokens_per_s\n";

    @Test
    void sweepSpecs() {
        SplittableRandom r = new SplittableRandom(SEED + 5);
        Path base = dir.resolve("sweep-base");
        run("sweep-spec", List.of(base.resolve("results.csv")), "sweep", "--spec", write("base.yaml", SWEEP).toString(), "--out", base.toString());
        assertEquals(1, tally("sweep-spec").ok, "the unmutated sweep must run");
        for (int i = 0; i < 8 * SCALE; i++) {
            String text = r.nextBoolean() ? new String(mutate(r, SWEEP), StandardCharsets.UTF_8) : extremeNumber(r, SWEEP);
            Path p = write("s" + i + ".yaml", text);
            Path out = dir.resolve("sweep-out-" + i);
            run("sweep-spec", List.of(out.resolve("results.csv")), "sweep", "--spec", p.toString(), "--out", out.toString());
        }
        for (String req : new String[] {"0", "-4"}) {
            run("sweep-spec", List.of(), "sweep", "--spec", write("req" + req + ".yaml", SWEEP.replace("requests: 2", "requests: " + req)).toString(),
                    "--out", dir.resolve("sweep-req" + req).toString());
        }
        assertClean("sweep-spec");
    }

    @Test
    void cliFlagsAndExtremeValues() {
        SplittableRandom r = new SplittableRandom(SEED + 6);
        String[][] templates = {
            {"op", "matmul", "m=%", "n=64", "k=64", "--target", "h100", "--json"},
            {"op", "matmul", "m=64", "n=%", "k=%", "--target", "h100", "--json"},
            {"op", "attention", "batch=%", "heads=8", "kv_heads=8", "head_dim=64", "q_len=1", "kv_len=%", "--target", "h100", "--json"},
            {"op", "memcpy", "bytes=%", "--target", "h100", "--json"},
            {"op", "all-reduce", "bytes=%", "devices=%", "--system", "h100x8", "--json"},
            {"graph", "--model", "mixtral-8x7b", "--phase", "decode", "--batch", "%", "--kv-len", "%"},
            {"roofline", "--model", "mixtral-8x7b", "--system", "h100x4", "--phase", "decode", "--batch", "%"},
            {"simulate", "--model", "mixtral-8x7b", "--system", "h100x4", "--qps", "%", "--requests", "2", "--in", "16", "--out", "2",
                "--cost-model", "roofline"},
            {"simulate", "--model", "mixtral-8x7b", "--system", "h100x4", "--batch", "%", "--requests", "%", "--in", "16", "--out", "2",
                "--cost-model", "roofline"},
            {"simulate", "--model", "mixtral-8x7b", "--system", "h100x4", "--dtype", "%", "--requests", "2", "--in", "16", "--out", "2",
                "--cost-model", "roofline"},
            {"demo", "--in", "%", "--ops-only"},
            {"demo", "--waves", "%", "--ops-only"},
            {"sweep", "--spec", "nonexistent.yaml", "--parallelism", "%"},
            {"export-firrtl", "--block", "mac-array", "--target", "h100", "--set", "sm.clock_MHz=%"},
            {"target", "show", "h100", "--set", "memory.tRFC_ns=%", "--stacktrace"},
        };
        String[] values = java.util.Arrays.copyOf(EXTREMES, EXTREMES.length + 6);
        System.arraycopy(new String[] {"1", "2", "64", "fp4", "bf16", "256M"}, 0, values, EXTREMES.length, 6);
        for (String[] tpl : templates) {
            for (int i = 0; i < 3 * SCALE; i++) {
                String[] a = tpl.clone();
                for (int j = 0; j < a.length; j++) {
                    a[j] = a[j].replace("%", pick(r, values));
                }
                run("cli-flags", List.of(), a);
            }
        }
        for (String q : new String[] {"1", "1000", "1e6"}) {
            Path ok = dir.resolve("sim-" + q + ".json");
            run("cli-flags", List.of(ok), "simulate", "--model", "mixtral-8x7b", "--system", "h100x4", "--qps", q, "--requests", "4", "--in", "16",
                    "--out", "2", "--cost-model", "roofline", "--json", ok.toString(), "--trace", dir.resolve("sim-" + q + ".trace.json").toString());
        }
        Path json = dir.resolve("sim.json");
        run("cli-flags", List.of(json), "simulate", "--model", "mixtral-8x7b", "--system", "h100x4", "--qps", "1e-7", "--requests", "4", "--in", "16",
                "--out", "2", "--cost-model", "roofline", "--json", json.toString());
        run("cli-flags", List.of(), "export-firrtl", "--block", "sequencer", "--target", "duplex", "-o", "/dev/full");
        run("cli-flags", List.of(), "check", "--stacktrace", write("st.moeir", "graph").toString());
        assertClean("cli-flags");
    }
}
