package io.moesim.validation.trace;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One op in the command-line form of {@code moesim op}: a kind followed by ordered
 * {@code key=value} attributes, e.g. {@code matmul m=4096 n=4096 k=4096 dtype=bf16}. Traces store
 * ops in this form so that a row can be pasted onto the command line and predicted by hand.
 */
public record OpForm(String kind, Map<String, String> attrs) {
    private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9_-]*");
    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9_]*");

    public OpForm {
        if (!KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("bad op kind '" + kind + "'");
        }
        attrs = Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
    }

    /** Parses {@code KIND key=value ...}; throws IllegalArgumentException with a one-line reason. */
    public static OpForm parse(String text) {
        String[] parts = text.trim().split("\\s+");
        if (parts.length == 0 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("empty op");
        }
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0 || eq == parts[i].length() - 1) {
                throw new IllegalArgumentException("expected key=value, got '" + parts[i] + "'");
            }
            String key = parts[i].substring(0, eq).toLowerCase(Locale.ROOT);
            if (!KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("bad attribute name '" + key + "'");
            }
            if (a.put(key, parts[i].substring(eq + 1)) != null) {
                throw new IllegalArgumentException("duplicate attribute '" + key + "'");
            }
        }
        return new OpForm(parts[0].toLowerCase(Locale.ROOT), a);
    }

    public boolean has(String key) {
        return attrs.containsKey(key);
    }

    public String get(String key) {
        String v = attrs.get(key);
        if (v == null) {
            throw new IllegalArgumentException(kind + ": missing attribute '" + key + "'");
        }
        return v;
    }

    public String get(String key, String dflt) {
        return attrs.getOrDefault(key, dflt);
    }

    public long getLong(String key) {
        String v = get(key);
        try {
            long l = Long.parseLong(v);
            if (l <= 0) {
                throw new IllegalArgumentException(kind + ": attribute '" + key + "' must be > 0, got " + v);
            }
            return l;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(kind + ": attribute '" + key + "' must be an integer, got '" + v + "'");
        }
    }

    public long getLong(String key, long dflt) {
        return has(key) ? getLong(key) : dflt;
    }

    public boolean getBool(String key, boolean dflt) {
        if (!has(key)) {
            return dflt;
        }
        String v = get(key);
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException(kind + ": attribute '" + key + "' must be true or false, got '" + v + "'");
    }

    /** A list attribute such as {@code tokens=[128,0,64]} or {@code tokens=128,0,64}. */
    public long[] getLongs(String key) {
        String v = get(key).replace("[", "").replace("]", "");
        String[] parts = v.split(",");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(kind + ": attribute '" + key + "' must list integers, got '" + get(key) + "'");
            }
            if (out[i] < 0) {
                throw new IllegalArgumentException(kind + ": attribute '" + key + "' has a negative entry");
            }
        }
        return out;
    }

    /** The canonical text: kind then the attributes in their order. */
    public String text() {
        StringBuilder sb = new StringBuilder(kind);
        attrs.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        return sb.toString();
    }

    @Override
    public String toString() {
        return text();
    }
}
