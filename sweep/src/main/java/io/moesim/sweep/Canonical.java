package io.moesim.sweep;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A canonical text of spec values (maps, lists, Long, Double, String, Boolean), hashed for point ids
 * and spec fingerprints. Written by hand rather than by a JSON library so that the hash cannot change
 * with a library's settings or version: a stored sweep stays resumable across upgrades.
 */
final class Canonical {
    private Canonical() {
    }

    /** The text of a value; map keys are sorted when {@code sortKeys}, else kept in order. */
    static String text(Object value, boolean sortKeys) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, sortKeys);
        return sb.toString();
    }

    /** SHA-256 of the text, as lowercase hex. */
    static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static void write(StringBuilder sb, Object v, boolean sortKeys) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Map<?, ?> m) {
            Map<?, ?> ordered = sortKeys ? new TreeMap<>(m) : m;
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ordered.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, e.getKey().toString());
                sb.append(':');
                write(sb, e.getValue(), sortKeys);
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, l.get(i), sortKeys);
            }
            sb.append(']');
        } else if (v instanceof Long || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Double d) {
            // A 'd' suffix keeps 2.0 distinct from the integer 2, as the spec keeps them.
            sb.append(d).append('d');
        } else if (v instanceof String s) {
            string(sb, s);
        } else {
            throw new IllegalArgumentException("not a spec value: " + v.getClass().getName());
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }
}
