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
 * </pre>
 * A format is a name ({@link WeightFormat#parse}) or a number of bits per weight.
 */
public record ExpertQuant(WeightFormat all, SortedMap<Integer, WeightFormat> layers) {
    public ExpertQuant {
        layers = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(layers == null ? Map.of() : layers));
    }

    /** Every MoE layer's experts in {@code f}. */
    public static ExpertQuant uniform(WeightFormat f) {
        return new ExpertQuant(f, new TreeMap<>());
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

    static ExpertQuant parse(String where, List<String> lines) {
        WeightFormat all = null;
        TreeMap<Integer, WeightFormat> layers = new TreeMap<>();
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
                int lo;
                int hi;
                try {
                    int dash = w[1].indexOf('-');
                    lo = Integer.parseInt(dash < 0 ? w[1] : w[1].substring(0, dash));
                    hi = dash < 0 ? lo : Integer.parseInt(w[1].substring(dash + 1));
                } catch (NumberFormatException e) {
                    throw new ModelException(at + "layer range '" + w[1] + "' is not L or L-M (whole numbers from 0)");
                }
                if (lo < 0 || hi < lo || hi >= ModelConfig.MAX_LAYERS) {
                    throw new ModelException(at + "layer range '" + w[1] + "' must be L or L-M with 0 <= L <= M < " + ModelConfig.MAX_LAYERS);
                }
                WeightFormat f = format(at, w[2]);
                for (int l = lo; l <= hi; l++) {
                    if (layers.put(l, f) != null) {
                        throw new ModelException(at + "layer " + l + " given a format twice");
                    }
                }
            } else {
                throw new ModelException(at + "expected 'all FORMAT' or 'layer L[-M] FORMAT', got '" + t + "'");
            }
        }
        if (all == null && layers.isEmpty()) {
            throw new ModelException(where + ": no expert format given (expected 'all FORMAT' or 'layer L[-M] FORMAT' lines)");
        }
        return new ExpertQuant(all, layers);
    }

    private static WeightFormat format(String at, String s) {
        try {
            return WeightFormat.parse(s);
        } catch (IllegalArgumentException e) {
            throw new ModelException(at + e.getMessage());
        }
    }

    /**
     * Bytes of all of {@code m}'s weights with everything in {@code dtype} but the routed experts,
     * which take their layer's format (its {@link ExpertQuant}, the serving dtype where none).
     */
    public static long weightBytes(ModelConfig m, io.moesim.ir.DType dtype) {
        long total = ModelStats.of(m).total();
        if (m.moe() == null || m.moe().quant() == null) {
            return dtype.bytesFor(total);
        }
        long perLayer = Math.multiplyExact(Math.multiplyExact((long) m.moe().experts(), (long) m.activation().matrices()),
                Math.multiplyExact((long) m.hidden(), m.moe().expertFfn()));
        long routed = 0;
        long bytes = 0;
        for (int l = 0; l < m.layers(); l++) {
            if (m.isMoeLayer(l)) {
                routed += perLayer;
                WeightFormat f = m.moe().quant().formatOf(l);
                bytes = Math.addExact(bytes, f == null ? dtype.bytesFor(perLayer) : f.bytesFor(perLayer));
            }
        }
        return Math.addExact(bytes, dtype.bytesFor(total - routed));
    }

    /** Checks every per-layer override names an MoE layer of {@code m}. */
    public void check(ModelConfig m) {
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
        return b.toString();
    }
}
