package io.moesim.ir.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A recorded expert routing, read from the text format of {@code traces/README.md}
 * ({@code moesim-routing v1}): a header of {@code key value} lines (model, experts, top_k, source)
 * then, per layer, either per-token lines ({@code token LAYER e1 .. ek}) or one per-expert count
 * line ({@code counts LAYER c0 .. cE-1}). {@code layers} holds per-expert counts for every layer;
 * each layer's sum is its token count times top_k.
 */
public record RoutingTrace(String file, String model, int experts, int topK, String source, SortedMap<Integer, long[]> layers) {
    public static final String MAGIC = "#! moesim-routing v1";

    public RoutingTrace {
        layers = Collections.unmodifiableSortedMap(new TreeMap<>(layers));
    }

    /** Reads and checks a trace; every problem is a {@link ModelException} naming file:line. */
    public static RoutingTrace read(Path path) {
        String file = path.toString();
        List<String> lines;
        try {
            lines = io.moesim.ir.io.TextFiles.read(path).lines().toList();
        } catch (io.moesim.ir.MoesimException e) {
            throw new ModelException(e.getMessage().replace(": no such file", ": no such routing trace file"), e);
        }
        if (lines.isEmpty() || !lines.get(0).strip().equals(MAGIC)) {
            throw new ModelException(file + ":1: not a routing trace: the first line must be '" + MAGIC + "'");
        }
        String model = null;
        String source = null;
        int experts = 0;
        int topK = 0;
        TreeMap<Integer, long[]> layers = new TreeMap<>();
        TreeMap<Integer, String> layerForm = new TreeMap<>(); // "token" or "counts", per layer
        for (int i = 1; i < lines.size(); i++) {
            int ln = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            String key = f[0].toLowerCase(Locale.ROOT);
            switch (key) {
                case "model":
                case "source":
                    if (f.length < 2) {
                        throw err(file, ln, "'" + key + "' needs a value");
                    }
                    String value = line.substring(f[0].length()).strip();
                    if (key.equals("model")) {
                        model = value;
                    } else {
                        source = value;
                    }
                    break;
                case "experts":
                case "top_k":
                    if (f.length != 2) {
                        throw err(file, ln, "'" + key + "' takes one integer");
                    }
                    int v = (int) number(file, ln, f[1], 1, 1 << 20);
                    if (!layers.isEmpty()) {
                        throw err(file, ln, "'" + key + "' must come before the first token or counts line");
                    }
                    if (key.equals("experts")) {
                        experts = v;
                    } else {
                        topK = v;
                    }
                    break;
                case "token":
                case "counts":
                    if (experts == 0 || topK == 0) {
                        throw err(file, ln, "'experts' and 'top_k' must be given before the first " + key + " line");
                    }
                    if (topK > experts) {
                        throw err(file, ln, "top_k " + topK + " exceeds experts " + experts);
                    }
                    if (f.length < 2) {
                        throw err(file, ln, "'" + key + "' needs a layer number");
                    }
                    int layer = (int) number(file, ln, f[1], 0, Integer.MAX_VALUE);
                    String prev = layerForm.putIfAbsent(layer, key);
                    if (prev != null && !prev.equals(key)) {
                        throw err(file, ln, "layer " + layer + " mixes token and counts lines");
                    }
                    long[] counts = layers.computeIfAbsent(layer, l -> new long[0]);
                    if (key.equals("counts")) {
                        if (counts.length != 0) {
                            throw err(file, ln, "layer " + layer + " has a second counts line");
                        }
                        if (f.length - 2 != experts) {
                            throw err(file, ln, "counts line lists " + (f.length - 2) + " experts, expected " + experts);
                        }
                        long[] c = new long[experts];
                        long sum = 0;
                        for (int e = 0; e < experts; e++) {
                            c[e] = number(file, ln, f[e + 2], 0, Long.MAX_VALUE / 4);
                            sum += c[e];
                        }
                        if (sum == 0 || sum % topK != 0) {
                            throw err(file, ln, "counts sum to " + sum + ", not a positive multiple of top_k " + topK);
                        }
                        layers.put(layer, c);
                    } else {
                        if (f.length - 2 != topK) {
                            throw err(file, ln, "token line lists " + (f.length - 2) + " experts, expected top_k = " + topK);
                        }
                        long[] c = counts.length == 0 ? new long[experts] : counts;
                        Set<Long> seen = new HashSet<>();
                        for (int j = 2; j < f.length; j++) {
                            long e = number(file, ln, f[j], 0, experts - 1);
                            if (!seen.add(e)) {
                                throw err(file, ln, "expert " + e + " appears twice in one token");
                            }
                            c[(int) e]++;
                        }
                        layers.put(layer, c);
                    }
                    break;
                default:
                    throw err(file, ln, "unknown line '" + f[0] + "' (expected model, source, experts, top_k, token or counts)");
            }
        }
        int end = lines.size();
        if (model == null) {
            throw err(file, end, "missing 'model' header line");
        }
        if (source == null) {
            throw err(file, end, "missing 'source' header line (where the routing comes from)");
        }
        if (layers.isEmpty()) {
            throw err(file, end, "no token or counts lines");
        }
        return new RoutingTrace(file, model, experts, topK, source, layers);
    }

    private static ModelException err(String file, int line, String msg) {
        return new ModelException(file + ":" + line + ": " + msg);
    }

    private static long number(String file, int line, String s, long min, long max) {
        long v;
        try {
            v = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw err(file, line, "'" + s + "' is not an integer");
        }
        if (v < min || v > max) {
            throw err(file, line, v + " is out of range [" + min + ", " + max + "]");
        }
        return v;
    }

    /** Tokens routed in a layer (its count sum over top_k). */
    public long tokens(int layer) {
        long s = 0;
        for (long c : layers.get(layer)) {
            s += c;
        }
        return s / topK;
    }

    /**
     * Per-expert counts for {@code tokens} tokens: each layer's load shares, averaged over the
     * trace's layers, scaled to tokens·top_k by largest remainder (ties to the lower expert).
     */
    public long[] representativeCounts(long tokens) {
        double[] share = new double[experts];
        for (long[] c : layers.values()) {
            long sum = 0;
            for (long x : c) {
                sum += x;
            }
            for (int e = 0; e < experts; e++) {
                share[e] += (double) c[e] / sum;
            }
        }
        return Routing.apportion(share, tokens * topK);
    }

    public List<Integer> layerIds() {
        return new ArrayList<>(layers.keySet());
    }
}
