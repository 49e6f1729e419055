package io.moesim.ir.model;

import io.moesim.ir.WeightFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The storage format of the routed experts' weights, per MoE layer: one format for every layer
 * ({@code all}, null to keep the serving dtype) and per-layer overrides. Shared experts, dense
 * FFNs, attention, router and embeddings keep the serving dtype.
 *
 * <p>A file gives it line by line ({@code #} starts a comment):
 * <pre>
 * all int4            # every MoE layer's experts in int4
 * layer 0-3 int8      # layers 0 to 3 (from 0, inclusive) in int8
 * layer 31 1.58       # layer 31 at 1.58 bits per weight
 * expert 0-31 0-1 int8 # experts 0 and 1 of layers 0 to 31 in int8 (per expert, MC-MoE style)
 * expert 5 7 bf16      # expert 7 of layer 5 in bf16
 * </pre>
 * A format is a name ({@link WeightFormat#parse}) or a number of bits per weight. A per-expert line
 * overrides its layer's format for those experts; the layer's format (or {@code all}) is the default.
 *
 * @param experts per-expert overrides: layer → (expert → format)
 */
public record ExpertQuant(WeightFormat all, SortedMap<Integer, WeightFormat> layers, SortedMap<Integer, SortedMap<Integer, WeightFormat>> experts) {
    public ExpertQuant {
        layers = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(layers == null ? Map.of() : layers));
        TreeMap<Integer, SortedMap<Integer, WeightFormat>> ex = new TreeMap<>();
        if (experts != null) {
            experts.forEach((l, m) -> ex.put(l, java.util.Collections.unmodifiableSortedMap(new TreeMap<>(m))));
        }
        experts = java.util.Collections.unmodifiableSortedMap(ex);
    }

    /** Per-layer formats only. */
    public ExpertQuant(WeightFormat all, SortedMap<Integer, WeightFormat> layers) {
        this(all, layers, null);
    }

    /** Every MoE layer's experts in {@code f}. */
    public static ExpertQuant uniform(WeightFormat f) {
        return new ExpertQuant(f, new TreeMap<>());
    }

    /**
     * Each of layer {@code layer}'s {@code n} experts' formats, where a per-expert line gives one
     * (null entries: the layer's format), or null when no expert of the layer has its own.
     */
    public List<WeightFormat> expertFormatsOf(int layer, int n) {
        SortedMap<Integer, WeightFormat> m = experts.get(layer);
        if (m == null || m.isEmpty()) {
            return null;
        }
        WeightFormat[] a = new WeightFormat[n];
        m.forEach((e, f) -> {
            if (e < n) {
                a[e] = f;
            }
        });
        return java.util.Collections.unmodifiableList(java.util.Arrays.asList(a));
    }

    /** The format of layer {@code layer}'s routed experts; null for the serving dtype. */
    public WeightFormat formatOf(int layer) {
        WeightFormat f = layers.get(layer);
        return f != null ? f : all;
    }

    /** Reads a file of {@code all FORMAT} and {@code layer L[-M] FORMAT} lines; errors name the file and line. */
    public static ExpertQuant read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new ModelException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new ModelException(file + ": cannot read expert formats: " + e.getMessage());
        }
        return parse(file.toString(), lines);
    }

    /** Parses the lines of a formats file ({@code where} names it in errors). */
    public static ExpertQuant parse(String where, List<String> lines) {
        WeightFormat all = null;
        TreeMap<Integer, WeightFormat> layers = new TreeMap<>();
        TreeMap<Integer, SortedMap<Integer, WeightFormat>> experts = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String at = where + ":" + (i + 1) + ": ";
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String t = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (t.isEmpty()) {
                continue;
            }
            String[] w = t.split("\\s+");
            if (w[0].equals("all") && w.length == 2) {
                if (all != null) {
                    throw new ModelException(at + "'all' given twice");
                }
                all = format(at, w[1]);
            } else if (w[0].equals("layer") && w.length == 3) {
                int[] r = range(at, "layer", w[1], ModelConfig.MAX_LAYERS);
                int lo = r[0];
                int hi = r[1];
                WeightFormat f = format(at, w[2]);
                for (int l = lo; l <= hi; l++) {
                    if (layers.put(l, f) != null) {
                        throw new ModelException(at + "layer " + l + " given a format twice");
                    }
                }
            } else if (w[0].equals("expert") && w.length == 4) {
                int[] ls = range(at, "layer", w[1], ModelConfig.MAX_LAYERS);
                int[] es = range(at, "expert", w[2], MAX_EXPERTS);
                WeightFormat f = format(at, w[3]);
                for (int l = ls[0]; l <= ls[1]; l++) {
                    SortedMap<Integer, WeightFormat> m = experts.computeIfAbsent(l, k -> new TreeMap<>());
                    for (int e = es[0]; e <= es[1]; e++) {
                        if (m.put(e, f) != null) {
                            throw new ModelException(at + "expert " + e + " of layer " + l + " given a format twice");
                        }
                    }
                }
            } else {
                throw new ModelException(at + "expected 'all FORMAT', 'layer L[-M] FORMAT' or 'expert L[-M] E[-F] FORMAT', got '" + t + "'");
            }
        }
        if (all == null && layers.isEmpty() && experts.isEmpty()) {
            throw new ModelException(where + ": no expert format given (expected 'all FORMAT', 'layer L[-M] FORMAT' or 'expert L[-M] E[-F] FORMAT' lines)");
        }
        return new ExpertQuant(all, layers, experts);
    }

    /** At most this many experts per layer in an expert range. */
    static final int MAX_EXPERTS = 1 << 16;

    private static int[] range(String at, String what, String s, int max) {
        int lo;
        int hi;
        try {
            int dash = s.indexOf('-');
            lo = Integer.parseInt(dash < 0 ? s : s.substring(0, dash));
            hi = dash < 0 ? lo : Integer.parseInt(s.substring(dash + 1));
        } catch (NumberFormatException e) {
            throw new ModelException(at + what + " range '" + s + "' is not N or N-M (whole numbers from 0)");
        }
        if (lo < 0 || hi < lo || hi >= max) {
            throw new ModelException(at + what + " range '" + s + "' must be N or N-M with 0 <= N <= M < " + max);
        }
        return new int[] {lo, hi};
    }

    private static WeightFormat format(String at, String s) {
        try {
            return WeightFormat.parse(s);
        } catch (IllegalArgumentException e) {
            throw new ModelException(at + e.getMessage());
        }
    }

    /**
     * Bytes of all of {@code m}'s weights with everything in {@code dtype} but the vocabulary's tables (the embedding and
     * any learned-position table, the LM head where untied), in their own precision ({@link ModelConfig#vocabTableDType}),
     * and the routed experts, which take their layer's format (its {@link ExpertQuant}, the serving dtype where none).
     */
    public static long weightBytes(ModelConfig m, io.moesim.ir.DType dtype) {
        ModelStats s = ModelStats.of(m);
        long tables = Math.addExact(s.embedding(), m.tiedEmbeddings() ? 0 : Math.multiplyExact(m.vocab(), (long) m.hidden()));
        long rest = s.total() - tables;
        long tableBytes = m.vocabTableDType(dtype).bytesFor(tables);
        if (m.moe() == null || m.moe().quant() == null) {
            return Math.addExact(tableBytes, dtype.bytesFor(rest));
        }
        return Math.addExact(Math.addExact(tableBytes, routedExpertBytes(m, dtype)), dtype.bytesFor(rest - routedExpertParams(m)));
    }

    /** Parameters of one MoE layer's routed experts. */
    private static long moeLayerParams(ModelConfig m) {
        return Math.multiplyExact(Math.multiplyExact((long) m.moe().experts(), (long) m.activation().matrices()),
                Math.multiplyExact((long) m.hidden(), m.moe().expertFfn()));
    }

    /** Parameters of all of {@code m}'s routed experts (0 for a dense model). */
    static long routedExpertParams(ModelConfig m) {
        if (m.moe() == null) {
            return 0;
        }
        long perLayer = moeLayerParams(m);
        long routed = 0;
        for (int l = 0; l < m.layers(); l++) {
            if (m.isMoeLayer(l)) {
                routed = Math.addExact(routed, perLayer);
            }
        }
        return routed;
    }

    /**
     * Bytes of {@code m}'s routed experts alone, each in its layer's format (its {@link ExpertQuant}, {@code dtype}
     * where none); 0 for a dense model. {@link #weightBytes} less these is the rest of the weights, in {@code dtype} but
     * the vocabulary's tables ({@link ModelConfig#vocabTableDType}).
     */
    public static long routedExpertBytes(ModelConfig m, io.moesim.ir.DType dtype) {
        if (m.moe() == null) {
            return 0;
        }
        if (m.moe().quant() == null) {
            return dtype.bytesFor(routedExpertParams(m));
        }
        long perLayer = moeLayerParams(m);
        long perExpert = perLayer / m.moe().experts();
        long bytes = 0;
        for (int l = 0; l < m.layers(); l++) {
            if (m.isMoeLayer(l)) {
                WeightFormat f = m.moe().quant().formatOf(l);
                WeightFormat lf = f == null ? io.moesim.ir.WeightFormat.of(dtype) : f;
                List<WeightFormat> per = m.moe().quant().expertFormatsOf(l, m.moe().experts());
                if (per == null) {
                    bytes = Math.addExact(bytes, f == null ? dtype.bytesFor(perLayer) : f.bytesFor(perLayer));
                } else {
                    for (WeightFormat ef : per) {
                        bytes = Math.addExact(bytes, (ef == null ? lf : ef).bytesFor(perExpert));
                    }
                }
            }
        }
        return bytes;
    }

    /** Checks every per-layer and per-expert override names an MoE layer (and expert) of {@code m}. */
    public void check(ModelConfig m) {
        for (Map.Entry<Integer, SortedMap<Integer, WeightFormat>> e : experts.entrySet()) {
            int l = e.getKey();
            if (l >= m.layers() || !m.isMoeLayer(l)) {
                throw new ModelException("expert formats: layer " + l + " of " + m.name() + (l >= m.layers() ? " is past its " + m.layers() + " layers"
                        : " is not an MoE layer"));
            }
            int last = e.getValue().lastKey();
            if (last >= m.moe().experts()) {
                throw new ModelException("expert formats: expert " + last + " of layer " + l + " is past " + m.name() + "'s " + m.moe().experts()
                        + " routed experts");
            }
        }
        for (int l : layers.keySet()) {
            if (l >= m.layers()) {
                throw new ModelException("expert formats: layer " + l + " is past " + m.name() + "'s " + m.layers() + " layers");
            }
            if (!m.isMoeLayer(l)) {
                throw new ModelException("expert formats: layer " + l + " of " + m.name() + " is not an MoE layer");
            }
        }
    }

    /** One line for run headers: "int4" or "int4, layers 0-3 int8". */
    public String describe() {
        StringBuilder b = new StringBuilder(all == null ? "serving dtype" : all.name());
        Integer start = null;
        Integer prev = null;
        WeightFormat cur = null;
        for (Map.Entry<Integer, WeightFormat> e : layers.entrySet()) {
            if (cur != null && e.getValue().equals(cur) && e.getKey() == prev + 1) {
                prev = e.getKey();
                continue;
            }
            if (cur != null) {
                b.append(", layer").append(start.equals(prev) ? " " + start : "s " + start + "-" + prev).append(' ').append(cur.name());
            }
            start = e.getKey();
            prev = start;
            cur = e.getValue();
        }
        if (cur != null) {
            b.append(", layer").append(start.equals(prev) ? " " + start : "s " + start + "-" + prev).append(' ').append(cur.name());
        }
        if (!experts.isEmpty()) {
            Map<String, Integer> count = new TreeMap<>();
            experts.values().forEach(m -> m.values().forEach(f -> count.merge(f.name(), 1, Integer::sum)));
            b.append(", per expert:");
            count.forEach((f, n) -> b.append(' ').append(n).append(' ').append(f));
        }
        return b.toString();
    }
}
