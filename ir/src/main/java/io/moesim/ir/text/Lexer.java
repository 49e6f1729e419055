package io.moesim.ir.text;

/**
 * Tokens of {@code .moeir} text, one at a time over a char array. It never throws: a character or
 * number it cannot read becomes an {@link Kind#ERROR} token, so the parser reports it as "expected
 * X, found <what the lexer saw>" with one position rule for every error.
 */
final class Lexer {

    enum Kind {
        IDENT, VALUE, GRAPH_NAME, INT, FLOAT, LPAREN, RPAREN, LBRACE, RBRACE, LBRACKET, RBRACKET, COMMA, EQUALS, COLON, EOF, ERROR
    }

    private final char[] src;
    private int pos;
    private int line = 1;
    private int lineStart;

    // the current token
    Kind kind;
    int start;
    int end;
    int tokLine;
    int tokCol;
    /** IDENT: the identifier; VALUE / GRAPH_NAME: the name without sigil or quotes; ERROR: what is wrong. */
    String text;
    long longValue;
    double doubleValue;

    Lexer(String source) {
        this.src = source.toCharArray();
        next();
    }

    /** Advances to the next token. */
    void next() {
        skipSpaceAndComments();
        start = pos;
        tokLine = line;
        tokCol = pos - lineStart + 1;
        text = null;
        if (pos >= src.length) {
            kind = Kind.EOF;
            end = pos;
            return;
        }
        char c = src[pos];
        switch (c) {
            case '(' -> single(Kind.LPAREN);
            case ')' -> single(Kind.RPAREN);
            case '{' -> single(Kind.LBRACE);
            case '}' -> single(Kind.RBRACE);
            case '[' -> single(Kind.LBRACKET);
            case ']' -> single(Kind.RBRACKET);
            case ',' -> single(Kind.COMMA);
            case '=' -> single(Kind.EQUALS);
            case ':' -> single(Kind.COLON);
            case '%' -> name(Kind.VALUE, false);
            case '@' -> name(Kind.GRAPH_NAME, true);
            default -> {
                if (isIdentStart(c)) {
                    ident();
                } else if (c == '-' || isDigit(c)) {
                    number();
                } else {
                    pos++;
                    error("unexpected character '" + printable(c) + "'");
                }
            }
        }
    }

    /** How the current token reads in an error message ("found ..."). */
    String describe() {
        return switch (kind) {
            case EOF -> "end of input";
            case ERROR -> text;
            default -> "'" + new String(src, start, end - start) + "'";
        };
    }

    private void single(Kind k) {
        kind = k;
        pos++;
        end = pos;
    }

    private void error(String what) {
        kind = Kind.ERROR;
        text = what;
        end = pos;
    }

    private void skipSpaceAndComments() {
        while (pos < src.length) {
            char c = src[pos];
            if (c == '\n') {
                pos++;
                line++;
                lineStart = pos;
            } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
                pos++;
            } else if (c == '#') {
                while (pos < src.length && src[pos] != '\n') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private void ident() {
        int s = pos;
        while (pos < src.length && isIdentPart(src[pos])) {
            pos++;
        }
        kind = Kind.IDENT;
        text = new String(src, s, pos - s);
        end = pos;
    }

    private void name(Kind k, boolean graphName) {
        char sigil = src[pos++];
        if (pos < src.length && src[pos] == '"') {
            quoted(k);
            return;
        }
        int s = pos;
        while (pos < src.length && (graphName ? Names.isGraphNameChar(src[pos]) : Names.isNameChar(src[pos]))) {
            pos++;
        }
        if (pos == s) {
            error("'" + sigil + "' without a name");
            return;
        }
        kind = k;
        text = new String(src, s, pos - s);
        end = pos;
    }

    private void quoted(Kind k) {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (pos < src.length) {
            char c = src[pos];
            if (c == '"') {
                pos++;
                if (sb.length() == 0) {
                    error("an empty quoted name");
                    return;
                }
                kind = k;
                text = sb.toString();
                end = pos;
                return;
            }
            if (c == '\n') {
                break;
            }
            if (c == '\\') {
                if (pos + 1 < src.length && (src[pos + 1] == '"' || src[pos + 1] == '\\')) {
                    sb.append(src[pos + 1]);
                    pos += 2;
                    continue;
                }
                if (pos + 5 < src.length && src[pos + 1] == 'u') {
                    int v = hex4(pos + 2);
                    if (v >= 0) {
                        sb.append((char) v);
                        pos += 6;
                        continue;
                    }
                }
                pos++;
                error("a bad escape in a quoted name");
                return;
            }
            sb.append(c);
            pos++;
        }
        error("an unterminated quoted name");
    }

    private int hex4(int at) {
        int v = 0;
        for (int i = at; i < at + 4; i++) {
            int d = Character.digit(src[i], 16);
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        return v;
    }

    private void number() {
        int s = pos;
        if (src[pos] == '-') {
            pos++;
            if (matches("Infinity")) {
                pos += "Infinity".length();
                if (pos >= src.length || !isIdentPart(src[pos])) {
                    kind = Kind.FLOAT;
                    doubleValue = Double.NEGATIVE_INFINITY;
                    end = pos;
                    return;
                }
            }
        }
        boolean ok = digits() > 0;
        boolean isFloat = false;
        if (ok && pos < src.length && src[pos] == '.') {
            pos++;
            isFloat = true;
            ok = digits() > 0;
        }
        if (ok && pos < src.length && (src[pos] == 'e' || src[pos] == 'E')) {
            pos++;
            isFloat = true;
            if (pos < src.length && (src[pos] == '+' || src[pos] == '-')) {
                pos++;
            }
            ok = digits() > 0;
        }
        // a number runs into letters or further dots: swallow the whole word for the message
        while (pos < src.length && (isIdentPart(src[pos]) || src[pos] == '.' || src[pos] == '-' || src[pos] == '+')) {
            pos++;
            ok = false;
        }
        String word = new String(src, s, pos - s);
        if (!ok) {
            error("a malformed number '" + word + "'");
            return;
        }
        end = pos;
        if (isFloat) {
            kind = Kind.FLOAT;
            doubleValue = Double.parseDouble(word);
            return;
        }
        long v = 0;
        boolean negative = src[s] == '-';
        for (int i = negative ? s + 1 : s; i < pos; i++) {
            int d = src[i] - '0';
            // accumulate negatively so that Long.MIN_VALUE is readable
            if (v < (Long.MIN_VALUE + d) / 10) {
                error("an integer out of range '" + word + "'");
                return;
            }
            v = v * 10 - d;
        }
        if (!negative && v == Long.MIN_VALUE) {
            error("an integer out of range '" + word + "'");
            return;
        }
        kind = Kind.INT;
        longValue = negative ? v : -v;
    }

    private int digits() {
        int s = pos;
        while (pos < src.length && isDigit(src[pos])) {
            pos++;
        }
        return pos - s;
    }

    private boolean matches(String word) {
        if (pos + word.length() > src.length) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (src[pos + i] != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isIdentPart(char c) {
        return isIdentStart(c) || isDigit(c);
    }

    private static String printable(char c) {
        return c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }
}
