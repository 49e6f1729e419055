package io.moesim.ir.text;

import io.moesim.ir.DType;
import io.moesim.ir.Shape;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.graph.VerificationException;
import io.moesim.ir.op.AttrException;
import io.moesim.ir.op.Attrs;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.OpRegistry;
import io.moesim.ir.text.Lexer.Kind;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code .moeir} text into a verified {@link Graph}. Syntax and attribute errors throw
 * {@link MoeirParseException}; graph errors (types, shapes, undefined or unused values, cycles)
 * throw the verifier's {@link VerificationException}, each diagnostic located at its node's
 * {@code file:line:col}. The grammar is the one {@link MoeirPrinter} writes, plus {@code #} comments
 * and free whitespace.
 */
public final class MoeirParser {
    private static final String GRAPH = "graph";
    private static final String RETURN = "return";
    private static final String YIELD = "yield";
    private static final String BODY = "body";

    /** Nested bodies deeper than this are refused (every later stage walks them recursively). */
    public static final int MAX_DEPTH = 64;

    private final Lexer lx;
    private int depth;
    private final String file;
    // node -> (line << 32 | col); identity because Node equality is deep and costly
    private final IdentityHashMap<Node, Long> positions = new IdentityHashMap<>();
    private long graphPosition;
    // the current node's attribute keys and their positions, reused from node to node
    private final List<String> keys = new ArrayList<>();
    private final LongArrayList keyPositions = new LongArrayList();

    /** A node read but not yet built: operands are resolved when its block closes (uses may precede definitions). */
    private record Pending(List<Value> results, Op op, List<String> operands, Block body, long position) {
    }

    private MoeirParser(String text, String file) {
        this.file = file;
        this.lx = new Lexer(text);
    }

    /**
     * Parses and verifies one graph.
     *
     * @param fileName used only in messages ({@code fileName:line:col: ...})
     * @throws MoeirParseException on a syntax or attribute error
     * @throws VerificationException on a graph that is well formed but invalid
     */
    public static Graph parse(String text, String fileName) {
        return new MoeirParser(text, fileName).graph();
    }

    private Graph graph() {
        graphPosition = here();
        if (lx.kind != Kind.IDENT || !GRAPH.equals(lx.text)) {
            throw expected("'graph'");
        }
        lx.next();
        if (lx.kind != Kind.GRAPH_NAME) {
            throw expected("a graph name '@name'");
        }
        String name = lx.text;
        lx.next();
        List<Value> params = params();
        Block body = block(params, RETURN, YIELD);
        if (lx.kind != Kind.EOF) {
            throw expected("end of input");
        }
        return Graph.of(name, body, this::locate);
    }

    private String locate(Node n) {
        Long p = n == null ? Long.valueOf(graphPosition) : positions.get(n);
        if (p == null) {
            return file;
        }
        return file + ":" + (p >>> 32) + ":" + (p & 0xffffffffL);
    }

    /** {@code ( [%name: type {, %name: type}] )} */
    private List<Value> params() {
        expect(Kind.LPAREN, "'('");
        List<Value> params = new ArrayList<>();
        if (lx.kind == Kind.RPAREN) {
            lx.next();
            return params;
        }
        while (true) {
            if (lx.kind != Kind.VALUE) {
                throw expected(params.isEmpty() ? "a parameter '%name: type' or ')'" : "a parameter '%name: type'");
            }
            String name = lx.text;
            lx.next();
            expect(Kind.COLON, "':' after parameter %" + name);
            params.add(new Value(name, type()));
            if (lx.kind == Kind.COMMA) {
                lx.next();
            } else if (lx.kind == Kind.RPAREN) {
                lx.next();
                return params;
            } else {
                throw expected("',' or ')'");
            }
        }
    }

    /** {@code { node* keyword [%v {, %v}] }}, keyword being 'return' (graph) or 'yield' (repeat body). */
    private Block block(List<Value> params, String keyword, String otherKeyword) {
        long open = here();
        expect(Kind.LBRACE, "'{'");
        List<Pending> pending = new ArrayList<>();
        while (true) {
            if (lx.kind == Kind.IDENT && keyword.equals(lx.text)) {
                lx.next();
                break;
            }
            if (lx.kind == Kind.IDENT && otherKeyword.equals(lx.text)) {
                throw expected("a node or '" + keyword + "'");
            }
            if (lx.kind == Kind.VALUE || lx.kind == Kind.IDENT) {
                pending.add(node());
            } else if (lx.kind == Kind.EOF) {
                throw expected("'" + keyword + "' and '}' to close the block opened at " + (open >>> 32) + ":" + (open & 0xffffffffL));
            } else {
                throw expected("a node or '" + keyword + "'");
            }
        }
        List<String> yieldNames = new ArrayList<>();
        if (lx.kind == Kind.VALUE) {
            yieldNames.add(lx.text);
            lx.next();
            while (lx.kind == Kind.COMMA) {
                lx.next();
                if (lx.kind != Kind.VALUE) {
                    throw expected("a value '%name'");
                }
                yieldNames.add(lx.text);
                lx.next();
            }
        }
        if (lx.kind != Kind.RBRACE) {
            throw expected(lx.kind == Kind.EOF
                    ? "'}' to close the block opened at " + (open >>> 32) + ":" + (open & 0xffffffffL)
                    : "'}' after '" + keyword + "'");
        }
        lx.next();
        return resolve(params, pending, yieldNames);
    }

    /** Builds the nodes of a block; a name not defined in the block gets a null type, which the verifier reports as undefined. */
    private Block resolve(List<Value> params, List<Pending> pending, List<String> yieldNames) {
        Map<String, Value> scope = new HashMap<>(2 * (params.size() + pending.size()) + 16);
        for (Value p : params) {
            scope.putIfAbsent(p.name(), p);
        }
        for (Pending p : pending) {
            for (Value r : p.results) {
                scope.putIfAbsent(r.name(), r);
            }
        }
        List<Node> nodes = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            Node n = new Node(p.results, p.op, lookup(scope, p.operands), p.body);
            positions.put(n, p.position);
            nodes.add(n);
        }
        return new Block(params, nodes, lookup(scope, yieldNames));
    }

    private static List<Value> lookup(Map<String, Value> scope, List<String> names) {
        List<Value> out = new ArrayList<>(names.size());
        for (String name : names) {
            Value v = scope.get(name);
            out.add(v != null ? v : new Value(name, null));
        }
        return out;
    }

    /** {@code [%r {, %r} =] op ( operands ) [{attrs}] [: types] [body (params) {block}]} */
    private Pending node() {
        long position = here();
        List<String> resultNames = new ArrayList<>(2);
        if (lx.kind == Kind.VALUE) {
            resultNames.add(lx.text);
            lx.next();
            while (lx.kind == Kind.COMMA) {
                lx.next();
                if (lx.kind != Kind.VALUE) {
                    throw expected("a result name '%name'");
                }
                resultNames.add(lx.text);
                lx.next();
            }
            if (lx.kind != Kind.EQUALS) {
                throw expected("'=' or ',' after the result name" + (resultNames.size() == 1 ? "" : "s"));
            }
            lx.next();
        }
        if (lx.kind != Kind.IDENT) {
            throw expected("an op name");
        }
        String mnemonic = lx.text;
        long opPosition = here();
        lx.next();
        List<String> operands = operands();
        Attrs attrs = new Attrs();
        keys.clear();
        keyPositions.clear();
        if (lx.kind == Kind.LBRACE) {
            attributes(attrs);
        }
        Op op = createOp(mnemonic, attrs, opPosition);
        List<Value> results = new ArrayList<>(resultNames.size());
        if (lx.kind == Kind.COLON) {
            if (resultNames.isEmpty()) {
                throw expected("no result types for a node without results");
            }
            long typesAt = here();
            lx.next();
            List<TensorType> types = new ArrayList<>(resultNames.size());
            types.add(type());
            while (lx.kind == Kind.COMMA) {
                lx.next();
                types.add(type());
            }
            if (types.size() != resultNames.size()) {
                throw new MoeirParseException(file, (int) (typesAt >>> 32), (int) typesAt, "expected " + resultNames.size() + " result type"
                        + (resultNames.size() == 1 ? "" : "s") + ", found " + types.size());
            }
            for (int i = 0; i < types.size(); i++) {
                results.add(new Value(resultNames.get(i), types.get(i)));
            }
        } else if (!resultNames.isEmpty()) {
            throw expected("':' and the result type" + (resultNames.size() == 1 ? "" : "s"));
        }
        Block body = null;
        if (lx.kind == Kind.IDENT && BODY.equals(lx.text)) {
            if (++depth > MAX_DEPTH) {
                throw new MoeirParseException(file, (int) (position >>> 32), (int) position, "repeat bodies nested more than " + MAX_DEPTH
                        + " deep");
            }
            lx.next();
            body = block(params(), YIELD, RETURN);
            depth--;
        }
        return new Pending(results, op, operands, body, position);
    }

    /** {@code ( [%v {, %v}] )} */
    private List<String> operands() {
        expect(Kind.LPAREN, "'(' after the op name");
        List<String> names = new ArrayList<>(3);
        if (lx.kind == Kind.RPAREN) {
            lx.next();
            return names;
        }
        while (true) {
            if (lx.kind != Kind.VALUE) {
                throw expected(names.isEmpty() ? "an operand '%name' or ')'" : "an operand '%name'");
            }
            names.add(lx.text);
            lx.next();
            if (lx.kind == Kind.COMMA) {
                lx.next();
            } else if (lx.kind == Kind.RPAREN) {
                lx.next();
                return names;
            } else {
                throw expected("',' or ')'");
            }
        }
    }

    /** {@code { [key=value {, key=value}] }} */
    private void attributes(Attrs attrs) {
        lx.next(); // '{'
        if (lx.kind == Kind.RBRACE) {
            lx.next();
            return;
        }
        while (true) {
            if (lx.kind != Kind.IDENT) {
                throw expected(attrs.size() == 0 ? "an attribute 'key=value' or '}'" : "an attribute 'key=value'");
            }
            String key = lx.text;
            long keyPosition = here();
            lx.next();
            expect(Kind.EQUALS, "'=' after attribute '" + key + "'");
            Object value = attributeValue();
            try {
                attrs.putRaw(key, value);
            } catch (AttrException e) {
                throw at(keyPosition, e.getMessage(), e);
            }
            keys.add(key);
            keyPositions.add(keyPosition);
            if (lx.kind == Kind.COMMA) {
                lx.next();
            } else if (lx.kind == Kind.RBRACE) {
                lx.next();
                return;
            } else {
                throw expected("',' or '}'");
            }
        }
    }

    private Object attributeValue() {
        switch (lx.kind) {
            case INT -> {
                long v = lx.longValue;
                lx.next();
                return v;
            }
            case FLOAT -> {
                double v = lx.doubleValue;
                lx.next();
                return v;
            }
            case LBRACKET -> {
                return integerList();
            }
            case IDENT -> {
                String s = lx.text;
                long at = here();
                lx.next();
                if (lx.kind == Kind.LBRACKET) {
                    return new TensorType(dtype(s, at), shape());
                }
                return switch (s) {
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    case "NaN" -> Double.NaN;
                    case "Infinity" -> Double.POSITIVE_INFINITY;
                    default -> s;
                };
            }
            default -> throw expected("an attribute value (number, true/false, name, [list] or tensor type)");
        }
    }

    private long[] integerList() {
        lx.next(); // '['
        LongArrayList xs = new LongArrayList();
        if (lx.kind == Kind.RBRACKET) {
            lx.next();
            return xs.toLongArray();
        }
        while (true) {
            if (lx.kind != Kind.INT) {
                throw expected("an integer");
            }
            xs.add(lx.longValue);
            lx.next();
            if (lx.kind == Kind.COMMA) {
                lx.next();
            } else if (lx.kind == Kind.RBRACKET) {
                lx.next();
                return xs.toLongArray();
            } else {
                throw expected("',' or ']'");
            }
        }
    }

    /** The op from its attributes; an attribute error points at the key it names, or at the op when the key is absent. */
    private Op createOp(String mnemonic, Attrs attrs, long opPosition) {
        try {
            return OpRegistry.create(mnemonic, attrs);
        } catch (AttrException e) {
            int i = e.key() == null ? -1 : keys.indexOf(e.key());
            throw at(i >= 0 ? keyPositions.getLong(i) : opPosition, e.getMessage(), e);
        }
    }

    /** {@code dtype[d {, d}]} */
    private TensorType type() {
        if (lx.kind != Kind.IDENT) {
            throw expected("a tensor type such as 'bf16[64,4096]'");
        }
        String s = lx.text;
        long at = here();
        lx.next();
        DType d = dtype(s, at);
        if (lx.kind != Kind.LBRACKET) {
            throw expected("'[' and the dimensions of the " + s + " tensor");
        }
        return new TensorType(d, shape());
    }

    private DType dtype(String s, long at) {
        for (DType d : DType.values()) {
            if (d.text().equals(s)) {
                return d;
            }
        }
        try {
            return DType.parse(s);
        } catch (IllegalArgumentException e) {
            throw at(at, e.getMessage(), e);
        }
    }

    /** {@code [d {, d}]} with non-negative integer sizes; {@code []} is a scalar. */
    private Shape shape() {
        lx.next(); // '['
        long[] dims = new long[4];
        int n = 0;
        if (lx.kind == Kind.RBRACKET) {
            lx.next();
            return Shape.of();
        }
        while (true) {
            if (lx.kind != Kind.INT || lx.longValue < 0) {
                throw expected("a dimension size (an integer >= 0)");
            }
            if (n == dims.length) {
                dims = java.util.Arrays.copyOf(dims, n * 2);
            }
            dims[n++] = lx.longValue;
            lx.next();
            if (lx.kind == Kind.COMMA) {
                lx.next();
            } else if (lx.kind == Kind.RBRACKET) {
                lx.next();
                return Shape.of(n == dims.length ? dims : java.util.Arrays.copyOf(dims, n));
            } else {
                throw expected("',' or ']'");
            }
        }
    }

    private void expect(Kind k, String what) {
        if (lx.kind != k) {
            throw expected(what);
        }
        lx.next();
    }

    private long here() {
        return ((long) lx.tokLine << 32) | lx.tokCol;
    }

    private MoeirParseException expected(String what) {
        return new MoeirParseException(file, lx.tokLine, lx.tokCol, "expected " + what + ", found " + lx.describe());
    }

    private MoeirParseException at(long position, String message, Throwable cause) {
        return new MoeirParseException(file, (int) (position >>> 32), (int) position, message, cause);
    }
}
