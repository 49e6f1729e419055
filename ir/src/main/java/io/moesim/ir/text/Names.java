package io.moesim.ir.text;

/**
 * How value and graph names are written. A name made only of {@code [A-Za-z0-9_.]} (graph names
 * may also hold '-') is written bare; any other name is quoted with escapes, so that every name a
 * {@link io.moesim.ir.graph.Value} can hold survives a print/parse round trip.
 */
final class Names {
    private Names() {
    }

    static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    }

    static boolean isGraphNameChar(char c) {
        return isNameChar(c) || c == '-';
    }

    static void append(StringBuilder sb, String name, boolean graphName) {
        int n = name.length();
        boolean bare = n > 0;
        for (int i = 0; i < n && bare; i++) {
            char c = name.charAt(i);
            bare = graphName ? isGraphNameChar(c) : isNameChar(c);
        }
        if (bare) {
            sb.append(name);
            return;
        }
        sb.append('"');
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }
}
