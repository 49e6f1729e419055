package io.moesim.validation.trace;

import java.nio.charset.StandardCharsets;

/**
 * Which published rows calibration may see. The rule is fixed and stratified: rows are grouped by
 * (target, op kind); within a group they are ordered by the FNV-1a hash of {@code SEED|gpu|op}, and
 * the first round(n/3) rows (at least one when the group has two or more) form the test set, the
 * rest the calibration set. Every kind of every target with two or more rows is thus tested, and the
 * choice depends on nothing but the rows' text.
 */
public enum Split {
    CALIBRATION, TEST;

    public static final String SEED = "moesim-validation-split-v1";

    /** The hash that orders rows within their group. */
    public static long rank(String gpu, OpForm op) {
        return fnv1a(SEED + "|" + gpu + "|" + op.text());
    }

    /** Test rows of a group of n rows. */
    static int testCount(int n) {
        return n < 2 ? 0 : Math.max(1, (int) Math.round(n / 3.0));
    }

    /** The rows with their split set, in their original order. */
    public static java.util.List<Measurement> assign(java.util.List<Measurement> rows) {
        java.util.Map<String, java.util.List<Integer>> groups = new java.util.LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            Measurement m = rows.get(i);
            groups.computeIfAbsent(m.target() + "|" + m.kind(), k -> new java.util.ArrayList<>()).add(i);
        }
        Split[] split = new Split[rows.size()];
        for (java.util.List<Integer> g : groups.values()) {
            java.util.List<Integer> order = new java.util.ArrayList<>(g);
            order.sort(java.util.Comparator.comparingLong((Integer i) -> rank(rows.get(i).gpu(), rows.get(i).op()))
                    .thenComparing(i -> rows.get(i).op().text()));
            int t = testCount(order.size());
            for (int j = 0; j < order.size(); j++) {
                split[order.get(j)] = j < t ? TEST : CALIBRATION;
            }
        }
        java.util.List<Measurement> out = new java.util.ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            out.add(rows.get(i).withSplit(split[i]));
        }
        return out;
    }

    /** FNV-1a, 64 bit, of the UTF-8 bytes: the hash every split rule draws from. */
    public static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    public String text() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
