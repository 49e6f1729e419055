package io.moesim.hw;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;

/** "did you mean" suggestions and type names for messages. */
final class Suggest {
    private Suggest() {
    }

    /** " (did you mean X?)" for the closest candidate, or "" when none is close. */
    static String didYouMean(String wrong, Collection<String> candidates) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(wrong.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
            // Same stem with another unit suffix (hbm_bandwidth_TBps vs hbm_bandwidth_GBps) counts as close.
            if (stem(wrong).equals(stem(c)) && !stem(c).isEmpty()) {
                d = Math.min(d, 1);
            }
            if (d < bestD || (d == bestD && best != null && c.compareTo(best) < 0)) {
                bestD = d;
                best = c;
            }
        }
        int limit = Math.max(2, wrong.length() / 3);
        return best != null && bestD <= limit ? " (did you mean " + best + "?)" : "";
    }

    private static String stem(String key) {
        int i = key.lastIndexOf('_');
        return i <= 0 ? "" : key.substring(0, i);
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    static String typeName(JsonNode n) {
        if (n == null || n.isNull()) {
            return "null";
        }
        if (n.isTextual()) {
            return "string '" + n.asText() + "'";
        }
        if (n.isNumber()) {
            return "number " + n.asText();
        }
        if (n.isBoolean()) {
            return "boolean " + n.asText();
        }
        if (n.isArray()) {
            return "a list";
        }
        return n.isObject() ? "a mapping" : n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    /** A number as a user wrote it: 80 not 80.0. */
    static String num(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }
}
