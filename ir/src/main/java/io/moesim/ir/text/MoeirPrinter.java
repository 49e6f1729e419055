package io.moesim.ir.text;

import io.moesim.ir.Shape;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.Attrs;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Graph} as canonical {@code .moeir} text: two-space indentation, one node per line,
 * attributes in the op's own order, a final newline. {@link MoeirParser} reads it back to an equal
 * graph, and printing that graph gives the same text.
 */
public final class MoeirPrinter {
    private MoeirPrinter() {
    }

    public static String print(Graph g) {
        StringBuilder sb = new StringBuilder(256 + 96 * g.nodeCount());
        sb.append("graph @");
        Names.append(sb, g.name(), true);
        params(sb, g.inputs());
        sb.append(" {\n");
        block(sb, g.body(), 1, "return");
        sb.append("}\n");
        return sb.toString();
    }

    private static void params(StringBuilder sb, List<Value> params) {
        sb.append('(');
        for (int i = 0; i < params.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            value(sb, params.get(i));
            sb.append(": ");
            type(sb, params.get(i).type());
        }
        sb.append(')');
    }

    private static void block(StringBuilder sb, Block b, int depth, String keyword) {
        for (Node n : b.nodes()) {
            indent(sb, depth);
            node(sb, n, depth);
            sb.append('\n');
        }
        indent(sb, depth);
        sb.append(keyword);
        List<Value> ys = b.yields();
        for (int i = 0; i < ys.size(); i++) {
            sb.append(i == 0 ? " " : ", ");
            value(sb, ys.get(i));
        }
        sb.append('\n');
    }

    private static void node(StringBuilder sb, Node n, int depth) {
        List<Value> rs = n.results();
        if (!rs.isEmpty()) {
            values(sb, rs);
            sb.append(" = ");
        }
        sb.append(n.op().mnemonic()).append('(');
        values(sb, n.operands());
        sb.append(')');
        Attrs attrs = n.op().attributes();
        if (attrs.size() > 0) {
            sb.append(" {");
            boolean first = true;
            for (Map.Entry<String, Object> e : attrs.asMap().entrySet()) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                sb.append(e.getKey()).append('=');
                attributeValue(sb, e.getValue());
            }
            sb.append('}');
        }
        if (!rs.isEmpty()) {
            sb.append(" : ");
            for (int i = 0; i < rs.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                type(sb, rs.get(i).type());
            }
        }
        if (n.hasBody()) {
            sb.append(" body");
            params(sb, n.body().params());
            sb.append(" {\n");
            block(sb, n.body(), depth + 1, "yield");
            indent(sb, depth);
            sb.append('}');
        }
    }

    private static void values(StringBuilder sb, List<Value> vs) {
        for (int i = 0; i < vs.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            value(sb, vs.get(i));
        }
    }

    private static void value(StringBuilder sb, Value v) {
        sb.append('%');
        Names.append(sb, v.name(), false);
    }

    private static void attributeValue(StringBuilder sb, Object v) {
        if (v instanceof TensorType t) {
            type(sb, t);
        } else {
            sb.append(Attrs.format(v)); // numbers, lists, booleans, identifiers: the attributes' canonical text
        }
    }

    private static void type(StringBuilder sb, TensorType t) {
        if (t == null) {
            // only an unverified graph has an untyped value; print something the parser rejects clearly
            sb.append("?");
            return;
        }
        sb.append(t.dtype().text()).append('[');
        Shape s = t.shape();
        for (int i = 0, r = s.rank(); i < r; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(s.dim(i));
        }
        sb.append(']');
    }

    private static void indent(StringBuilder sb, int depth) {
        for (int i = 0; i < depth; i++) {
            sb.append("  ");
        }
    }
}
