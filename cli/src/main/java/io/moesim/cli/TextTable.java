package io.moesim.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain text table: columns padded to their widest cell; numbers (cells that parse as numbers) right-aligned. */
final class TextTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    TextTable(List<String> header) {
        this.header = List.copyOf(header);
    }

    private final java.util.Map<Integer, Integer> caps = new java.util.HashMap<>();

    /** Cuts the cells of one column to {@code max} characters (ending in "..."), so a table stays readable in a terminal. */
    TextTable cap(String column, int max) {
        int i = header.indexOf(column);
        if (i >= 0 && max > 3) {
            caps.put(i, max);
        }
        return this;
    }

    TextTable row(List<String> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells, header " + header.size());
        }
        List<String> c = new ArrayList<>(cells);
        caps.forEach((i, max) -> {
            String v = String.valueOf(c.get(i));
            if (v.length() > max) {
                c.set(i, v.substring(0, max - 3) + "...");
            }
        });
        rows.add(List.copyOf(c));
        return this;
    }

    TextTable row(Object... cells) {
        List<String> s = new ArrayList<>();
        for (Object c : cells) {
            s.add(String.valueOf(c));
        }
        return row(s);
    }

    String render() {
        int n = header.size();
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = header.get(i).length();
        }
        for (List<String> r : rows) {
            for (int i = 0; i < n; i++) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, w, false);
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
        }
        sb.append('\n');
        for (List<String> r : rows) {
            line(sb, r, w, true);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] w, boolean alignNumbers) {
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            String pad = " ".repeat(w[i] - c.length());
            sb.append(i == 0 ? "" : "  ");
            if (alignNumbers && isNumber(c)) {
                sb.append(pad).append(c);
            } else {
                sb.append(c).append(i == cells.size() - 1 ? "" : pad);
            }
        }
        sb.append('\n');
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isDigit(c) || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+' || c == ',' || c == 'x' || c == '%')) {
                return false;
            }
        }
        return Character.isDigit(s.charAt(0)) || (s.charAt(0) == '-' || s.charAt(0) == '+') && s.length() > 1;
    }
}
