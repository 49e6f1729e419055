package io.moesim.validation.database;

import io.moesim.ir.MoesimException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Reads NVIDIA AIConfigurator's kernel database (the gzipped CSV tables under
 * {@code <root>/<gpu>/<kind>/<framework>/<version>/<table>.csv.gz}, see
 * {@code data/aiconfigurator/README.md}) into {@link DbRow}s in moesim's op forms, and takes seeded
 * samples of them.
 *
 * <p>What is read (everything else is left out): GEMM bf16 and per-tensor fp8 ({@code fp8_block} left
 * out); context and generation attention with bf16 activations, bf16 KV and no window; fused MoE
 * blocks in bf16 and per-tensor fp8 under the balanced and power-law token spreads (gated=false where the table's
 * {@code kernel_source} says the experts have no gate, and for vLLM's rows of Nemotron-3's shapes, {@link #NON_GATED_VLLM});
 * NCCL collectives
 * in half precision; the frameworks' own all-reduce (TensorRT-LLM's, and vLLM's/SGLang's CUDA-graph
 * variant: the eager variants measure host launch, not the kernel); fp8 activation quantisation
 * ({@code computescale}: the amax pass, {@code scale_matrix}: the cast; vLLM's {@code computescale} rows are a difference,
 * {@code kernel_source} {@code dynamic_per_token_scaled_fp8_quant_minus_static_scaled_fp8_quant}, to which the same shape's
 * {@code scale_matrix} row is added back: its dynamic per-token kernel, {@code step=token}; SGLang's are a clamped difference
 * and left out, {@link #CLAMPED_DIFFERENCE_FRAMEWORKS}). Latency is ms per call in the
 * tables and µs here.
 *
 * <p><b>Sample</b>: within each (GPU, framework, kind) the rows whose FNV-1a hash of
 * {@code moesim-aic-sample-v1|kind|op} is smallest, so the same shapes are chosen on both GPUs and in
 * every framework that measured them; duplicate shapes keep the first row read.
 */
public final class AicConverter {
    public static final String SAMPLE_SEED = "moesim-aic-sample-v1";

    /** Rows per (GPU, framework, kind) of the committed sample ({@code traces/aiconfigurator}, {@code validate --database-convert}'s default). */
    public static final int SAMPLE_ROWS = 200;

    /**
     * The frameworks whose {@code computescale} rows are no kernel's time and name no difference in their {@code kernel_source}:
     * SGLang's collector ({@code collector/sglang/collect_computescale.py}) logs its fused dynamic per-token kernel's time minus its
     * eager static cast's, clamped at 0, so a row is 0 (left out as no time) or a small positive difference (1,625 and 3 of the
     * 1,628 H100 rows), never an amax pass. Left out; the cast rows ({@code scale_matrix}) are read.
     */
    static final java.util.Set<String> CLAMPED_DIFFERENCE_FRAMEWORKS = java.util.Set.of("sglang");

    /** Rows per (GPU, framework, kind) that {@code validate --database} samples from the full tables by default. */
    public static final int TABLE_ROWS = 2000;
    public static final String UPSTREAM = "github.com/ai-dynamo/aiconfigurator@095f58a";

    private AicConverter() {
    }

    /** Every row this converter knows how to read, in file order (files in name order). */
    public static List<DbRow> readAll(Path root) {
        if (!Files.isDirectory(root)) {
            throw new MoesimException(root + ": no such folder (the AIConfigurator database, e.g. ../shared/data/aiconfigurator)");
        }
        List<DbRow> out = new ArrayList<>();
        for (String gpuDir : List.of("h100_sxm", "h200_sxm")) {
            Path g = root.resolve(gpuDir);
            if (!Files.isDirectory(g)) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> s = Files.walk(g)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".csv.gz")).sorted().toList();
            } catch (IOException e) {
                throw new MoesimException(g + ": cannot list: " + e.getMessage());
            }
            for (Path f : files) {
                String rel = root.relativize(f).toString().replace('\\', '/');
                String table = f.getFileName().toString().replace(".csv.gz", "");
                String[] parts = rel.split("/");
                if (parts.length != 5) {
                    continue;
                }
                readTable(f, rel, gpuDir.startsWith("h100") ? "h100" : "h200", parts[1], parts[2], table, out);
            }
        }
        return out;
    }

    /** The seeded sample: at most {@code perGroup} rows per (GPU, framework, kind); 0 keeps every row. */
    public static List<DbRow> sample(List<DbRow> rows, int perGroup) {
        Map<String, Map<String, DbRow>> groups = new TreeMap<>();
        for (DbRow r : rows) {
            groups.computeIfAbsent(r.gpu() + "|" + r.framework() + "|" + r.kind(), k -> new LinkedHashMap<>()).putIfAbsent(r.op().text(), r);
        }
        List<DbRow> out = new ArrayList<>();
        for (Map<String, DbRow> g : groups.values()) {
            List<DbRow> list = new ArrayList<>(g.values());
            list.sort(Comparator.comparingLong((DbRow r) -> DbSplit.fnv1a(SAMPLE_SEED + "|" + r.kind() + "|" + r.op().text()))
                    .thenComparing(r -> r.op().text()));
            out.addAll(perGroup > 0 && list.size() > perGroup ? list.subList(0, perGroup) : list);
        }
        return out;
    }

    private static void readTable(Path f, String rel, String gpu, String kindDir, String fwDir, String table, List<DbRow> out) {
        String source = UPSTREAM + " systems/data/" + rel.replace(".csv.gz", "");
        // a computescale table's scale_matrix partner, for rows that are a difference (DIFFERENCE)
        Map<String, Double> partners = table.equals("computescale_perf")
                ? subtrahends(f.resolveSibling("scale_matrix_perf.csv.gz"), rel.replace("computescale_perf", "scale_matrix_perf")) : Map.of();
        forEachRow(f, rel, (row, lineNo) -> {
            String opText;
            double ms;
            try {
                opText = opText(kindDir, table, fwDir, row);
                if (opText == null) {
                    return;
                }
                ms = row.latencyMs();
            } catch (NumberFormatException e) {
                throw new MoesimException(rel + ":" + lineNo + ": " + e.getMessage());
            }
            String rowSource = source;
            String ks = row.get("kernel_source");
            if (table.equals("computescale_perf") && ks.contains(DIFFERENCE)) {
                // a difference of two of the collector's timings (vLLM: dynamic per-token quantise minus the static cast); the
                // subtrahend's own row, same shape, added back gives the minuend kernel's time (a difference may be 0 or less)
                int at = ks.indexOf(DIFFERENCE);
                Double back = partners.get(quantKey(ks.substring(at + DIFFERENCE.length()), row));
                if (back == null || !ks.substring(0, at).equals(PER_TOKEN_KERNEL)) {
                    return;
                }
                ms += back;
                opText = opText.replace("step=amax", "step=token");
                rowSource = source + " (" + ks + ", plus the same shape's scale_matrix_perf row)";
            }
            if (!(ms > 0) || !Double.isFinite(ms)) {
                return;
            }
            String fw = fwDir.equals("nccl") ? "nccl" : fwDir;
            String device = row.get("device");
            out.add(DbRow.of(opText, gpu, device.isEmpty() ? gpu : device, fw, ms * 1000, rowSource));
        });
    }

    /** Each row of a gzipped CSV table (its header names the columns; rows of another width are skipped), with its line number. */
    private static void forEachRow(Path f, String rel, java.util.function.ObjIntConsumer<Row> each) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(f)), StandardCharsets.UTF_8))) {
            String header = r.readLine();
            if (header == null) {
                return;
            }
            String[] cols = header.split(",", -1);
            Map<String, Integer> idx = new HashMap<>();
            for (int i = 0; i < cols.length; i++) {
                idx.put(cols[i], i);
            }
            String line;
            int lineNo = 1;
            while ((line = r.readLine()) != null) {
                lineNo++;
                String[] v = line.split(",", -1);
                if (v.length == cols.length) {
                    each.accept(new Row(idx, v), lineNo);
                }
            }
        } catch (IOException e) {
            throw new MoesimException(rel + ": cannot read: " + e.getMessage());
        }
    }

    /** How a {@code kernel_source} names a difference of two timings: {@code <minuend>_minus_<subtrahend>}. */
    static final String DIFFERENCE = "_minus_";

    /** The minuend kernel a difference row may name: vLLM's dynamic per-token quantise, read as {@code step=token}. */
    static final String PER_TOKEN_KERNEL = "dynamic_per_token_scaled_fp8_quant";

    /** A quantise table's rows by {@link #quantKey}: latency, ms (none where the table is absent). */
    private static Map<String, Double> subtrahends(Path f, String rel) {
        Map<String, Double> out = new HashMap<>();
        if (Files.isRegularFile(f)) {
            forEachRow(f, rel, (row, lineNo) -> {
                try {
                    if (opText("quantize", "scale_matrix_perf", "", row) == null) {
                        return; // a row the converter leaves out (not fp8)
                    }
                    double ms = row.latencyMs();
                    if (ms > 0 && Double.isFinite(ms)) {
                        out.putIfAbsent(quantKey(row.get("kernel_source"), row), ms);
                    }
                } catch (NumberFormatException e) {
                    throw new MoesimException(rel + ":" + lineNo + ": " + e.getMessage());
                }
            });
        }
        return out;
    }

    /** A quantise row's kernel and shape: {@code kernel|m|k|quant_dtype} (m and k as whole numbers, however the table writes them). */
    private static String quantKey(String kernel, Row row) {
        return kernel + "|" + row.num("m") + "|" + row.num("k") + "|" + row.get("quant_dtype");
    }

    private record Row(Map<String, Integer> idx, String[] v) {
        String get(String col) {
            Integer i = idx.get(col);
            return i == null ? "" : v[i].strip();
        }

        double latencyMs() {
            return Double.parseDouble(get("latency"));
        }

        long num(String col) {
            String s = get(col);
            double d = Double.parseDouble(s);
            return Math.round(d);
        }
    }

    /**
     * The MoE shapes (hidden, inter, top-k, experts) whose vLLM rows are non-gated: Nemotron-3's experts, squared ReLU with
     * no gate. Nemotron-3 Nano 2688/1856/6/128 and 2048/5120/22/512 are the shapes TensorRT-LLM's tables run as
     * {@code moe_torch_flow_nongated}; 1024/2688/22/512 is Nemotron-3 Super (vLLM's collection_meta.yaml names the rows
     * appended with it so). The rows say the same where the weights bound them: vLLM's bf16 blocks of 64 tokens take
     * TensorRT-LLM's non-gated time (2688/1856: 0.857 vs 0.890 ms; 2048/5120: 7.01 vs 6.89 ms, EP 1, TP 1), where gated
     * weights would need 3.9 TB/s from an H100's 3.35 TB/s HBM. SGLang 0.5.9's rows of the 2688 shape take 1.47x
     * TensorRT-LLM's (a third matrix, the gate): its collector builds gated weights, and they stay gated.
     */
    static final java.util.Set<String> NON_GATED_VLLM = java.util.Set.of(moeShape(2688, 1856, 6, 128), moeShape(2048, 5120, 22, 512),
            moeShape(1024, 2688, 22, 512));

    private static String moeShape(long hidden, long inter, long topK, long experts) {
        return hidden + "/" + inter + "/" + topK + "/" + experts;
    }

    /** The op form of a table row of the framework {@code fw} (its folder), or null when the row is one this converter leaves out. */
    static String opText(String kindDir, String table, String fw, Row r) {
        switch (table) {
            case "gemm_perf": {
                String dt = switch (r.get("gemm_dtype")) {
                    case "bfloat16" -> "bf16";
                    case "fp8" -> "fp8e4m3";
                    default -> null;
                };
                if (dt == null) {
                    return null;
                }
                return String.format(Locale.ROOT, "matmul m=%d n=%d k=%d dtype=%s", r.num("m"), r.num("n"), r.num("k"), dt);
            }
            case "context_attention_perf":
            case "generation_attention_perf": {
                boolean gen = table.startsWith("generation");
                // bf16 attention on a bf16 cache; and on decode an fp8 cache (kind attention-decode-fp8-kv, its own class's rows)
                String kvCache = r.get("kv_cache_dtype");
                if (!r.get("attn_dtype").equals("bfloat16") || !(kvCache.equals("bfloat16") || (gen && kvCache.equals("fp8")))) {
                    return null;
                }
                String w = r.get("window_size");
                if (!w.isEmpty() && !w.equals("0")) {
                    return null;
                }
                if (!r.get("beam_width").isEmpty() && !r.get("beam_width").equals("1")) {
                    return null;
                }
                long isl = r.num("isl");
                long kv = gen ? isl + r.num("step") : isl;
                return String.format(Locale.ROOT, "attention batch=%d heads=%d kv_heads=%d head_dim=%d q_len=%d kv_len=%d causal=%s dtype=bf16%s",
                        r.num("batch_size"), r.num("num_heads"), r.num("num_key_value_heads"), r.num("head_dim"), gen ? 1 : isl, kv,
                        gen ? "false" : "true", kvCache.equals("fp8") ? " kv_dtype=fp8e4m3" : "");
            }
            case "moe_perf": {
                String dt = switch (r.get("moe_dtype")) {
                    case "bfloat16" -> "bf16";
                    case "fp8" -> "fp8e4m3";
                    default -> null;
                };
                String dist = r.get("distribution");
                if (dt == null || !(dist.equals("balanced") || dist.startsWith("power_law_"))) {
                    return null;
                }
                long tp = r.num("moe_tp_size");
                long ep = r.num("moe_ep_size");
                long experts = r.num("num_experts");
                if (experts % ep != 0 || r.num("inter_size") % tp != 0) {
                    return null;
                }
                // non-gated experts (an up and a down matrix, no gate): TensorRT-LLM's say so in their kernel_source
                // (moe_torch_flow_nongated); vLLM's collector builds its layer with the model's own activation (NON_GATED_VLLM)
                boolean nonGated = r.get("kernel_source").endsWith("_nongated")
                        || (fw.equals("vllm") && NON_GATED_VLLM.contains(moeShape(r.num("hidden_size"), r.num("inter_size"), r.num("topk"), experts)));
                String gated = nonGated ? " gated=false" : "";
                return String.format(Locale.ROOT, "moe-layer tokens=%d hidden=%d experts=%d top_k=%d ffn=%d tp=%d ep=%d distribution=%s dtype=%s%s",
                        r.num("num_tokens"), r.num("hidden_size"), experts, r.num("topk"), r.num("inter_size"), tp, ep, dist, dt, gated);
            }
            case "nccl_perf": {
                if (!r.get("nccl_dtype").equals("half")) {
                    return null;
                }
                String kind = switch (r.get("op_name")) {
                    case "all_reduce" -> "all-reduce";
                    case "all_gather" -> "all-gather";
                    case "reduce_scatter" -> "reduce-scatter";
                    case "alltoall" -> "all-to-all";
                    default -> null;
                };
                if (kind == null) {
                    return null;
                }
                return String.format(Locale.ROOT, "%s bytes=%d group=%d dtype=fp16", kind, 2 * r.num("message_size"), r.num("num_gpus"));
            }
            case "custom_allreduce_perf": {
                String impl = !r.get("implementation").isEmpty() ? r.get("implementation") : r.get("backend");
                if (impl.endsWith("_eager")) {
                    return null;
                }
                if (!r.get("allreduce_dtype").equals("bfloat16")) {
                    return null;
                }
                return String.format(Locale.ROOT, "all-reduce bytes=%d group=%d dtype=bf16 impl=%s", 2 * r.num("message_size"), r.num("num_gpus"),
                        impl.replace('_', '-'));
            }
            case "computescale_perf":
            case "scale_matrix_perf": {
                if (!r.get("quant_dtype").equals("fp8")) {
                    return null;
                }
                if (table.equals("computescale_perf") && CLAMPED_DIFFERENCE_FRAMEWORKS.contains(fw)) {
                    return null;
                }
                return String.format(Locale.ROOT, "quantize m=%d k=%d step=%s", r.num("m"), r.num("k"), table.startsWith("computescale") ? "amax" : "cast");
            }
            default:
                return null;
        }
    }
}
