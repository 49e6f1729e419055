package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An op's attributes as an ordered {@code key=value} map. Values are {@link Long}, {@link Double},
 * {@link Boolean}, {@link String} (a bare identifier such as an enum or dtype name), {@code long[]}
 * or {@link TensorType}. Ops print their attributes in the order they put them, and rebuild
 * themselves from an {@code Attrs} read by the parser; a missing or ill-typed key throws
 * {@link AttrException} naming the key.
 */
public final class Attrs {
    private final LinkedHashMap<String, Object> values = new LinkedHashMap<>();

    public Attrs put(String key, long v) {
        values.put(key, v);
        return this;
    }

    public Attrs put(String key, double v) {
        values.put(key, v);
        return this;
    }

    public Attrs put(String key, boolean v) {
        values.put(key, v);
        return this;
    }

    public Attrs put(String key, DType v) {
        values.put(key, v.text());
        return this;
    }

    public Attrs put(String key, Enum<?> v) {
        values.put(key, v.name().toLowerCase(Locale.ROOT));
        return this;
    }

    public Attrs putIdent(String key, String ident) {
        values.put(key, ident);
        return this;
    }

    public Attrs put(String key, long[] v) {
        values.put(key, v.clone());
        return this;
    }

    public Attrs put(String key, TensorType v) {
        values.put(key, v);
        return this;
    }

    /** Adds a raw parsed value (used by the parser). */
    public Attrs putRaw(String key, Object v) {
        if (!(v instanceof Long || v instanceof Double || v instanceof Boolean || v instanceof String
                || v instanceof long[] || v instanceof TensorType)) {
            throw new IllegalArgumentException("unsupported attribute value " + v);
        }
        if (values.containsKey(key)) {
            throw new AttrException(key, "duplicate attribute '" + key + "'");
        }
        values.put(key, v);
        return this;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public Set<String> keys() {
        return Collections.unmodifiableSet(values.keySet());
    }

    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(values);
    }

    public int size() {
        return values.size();
    }

    private Object require(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new AttrException(key, "missing attribute '" + key + "'");
        }
        return v;
    }

    public long getLong(String key) {
        Object v = require(key);
        if (v instanceof Long l) {
            return l;
        }
        throw new AttrException(key, "attribute '" + key + "' must be an integer, got " + format(v));
    }

    public long getLong(String key, long dflt) {
        return has(key) ? getLong(key) : dflt;
    }

    /** An integer attribute that must be positive (> 0). */
    public long getPositive(String key) {
        long v = getLong(key);
        if (v <= 0) {
            throw new AttrException(key, "attribute '" + key + "' must be > 0, got " + v);
        }
        return v;
    }

    public int getPositiveInt(String key) {
        long v = getPositive(key);
        if (v > Integer.MAX_VALUE) {
            throw new AttrException(key, "attribute '" + key + "' is too large: " + v);
        }
        return (int) v;
    }

    public double getDouble(String key) {
        Object v = require(key);
        if (v instanceof Double d) {
            return d;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw new AttrException(key, "attribute '" + key + "' must be a number, got " + format(v));
    }

    public double getDouble(String key, double dflt) {
        return has(key) ? getDouble(key) : dflt;
    }

    public boolean getBool(String key) {
        Object v = require(key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new AttrException(key, "attribute '" + key + "' must be true or false, got " + format(v));
    }

    public boolean getBool(String key, boolean dflt) {
        return has(key) ? getBool(key) : dflt;
    }

    public String getIdent(String key) {
        Object v = require(key);
        if (v instanceof String s) {
            return s;
        }
        throw new AttrException(key, "attribute '" + key + "' must be a name, got " + format(v));
    }

    public DType getDType(String key) {
        String s = getIdent(key);
        try {
            return DType.parse(s);
        } catch (IllegalArgumentException e) {
            throw new AttrException(key, "attribute '" + key + "': " + e.getMessage());
        }
    }

    public DType getDType(String key, DType dflt) {
        return has(key) ? getDType(key) : dflt;
    }

    public <E extends Enum<E>> E getEnum(String key, Class<E> type) {
        String s = getIdent(key);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(s)) {
                return e;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            allowed.append(allowed.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
        }
        throw new AttrException(key, "attribute '" + key + "' must be one of " + allowed + ", got " + s);
    }

    public long[] getLongs(String key) {
        Object v = require(key);
        if (v instanceof long[] a) {
            return a.clone();
        }
        throw new AttrException(key, "attribute '" + key + "' must be a list of integers, got " + format(v));
    }

    public TensorType getType(String key) {
        Object v = require(key);
        if (v instanceof TensorType t) {
            return t;
        }
        throw new AttrException(key, "attribute '" + key + "' must be a tensor type, got " + format(v));
    }

    /** Fails when the map holds keys an op does not know (a typo must not pass silently). */
    public void allowOnly(String mnemonic, String... known) {
        Set<String> ok = Set.of(known);
        for (String k : values.keySet()) {
            if (!ok.contains(k)) {
                throw new AttrException(k, "unknown attribute '" + k + "' for " + mnemonic + " (known: " + String.join(", ", known) + ")");
            }
        }
    }

    /** Canonical text of a value, as the printer writes it. */
    public static String format(Object v) {
        if (v instanceof long[] a) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < a.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(a[i]);
            }
            return sb.append(']').toString();
        }
        if (v instanceof Double d) {
            return formatDouble(d);
        }
        return String.valueOf(v);
    }

    /** Shortest text that parses back to the same double, always with a '.' or exponent. */
    public static String formatDouble(double d) {
        String s = Double.toString(d);
        return s.indexOf('.') >= 0 || s.indexOf('E') >= 0 || s.indexOf('N') >= 0 || s.indexOf('I') >= 0 ? s : s + ".0";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Attrs other) || other.values.size() != values.size()) {
            return false;
        }
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object w = other.values.get(e.getKey());
            Object v = e.getValue();
            if (v instanceof long[] a ? !(w instanceof long[] b && Arrays.equals(a, b)) : !v.equals(w)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object v = e.getValue();
            h += e.getKey().hashCode() ^ (v instanceof long[] a ? Arrays.hashCode(a) : v.hashCode());
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, Object> e : values.entrySet()) {
            sb.append(first ? "" : ", ").append(e.getKey()).append('=').append(format(e.getValue()));
            first = false;
        }
        return sb.append('}').toString();
    }
}
