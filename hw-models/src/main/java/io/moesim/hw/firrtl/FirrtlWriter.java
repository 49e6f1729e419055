package io.moesim.hw.firrtl;

import it.unimi.dsi.fastutil.objects.Object2ObjectLinkedOpenHashMap;
import it.unimi.dsi.fastutil.objects.Object2ObjectOpenHashMap;
import it.unimi.dsi.fastutil.objects.ObjectOpenHashSet;
import java.util.List;
import java.util.Map;

/**
 * Prints a {@link Circuit} as FIRRTL 4.0.0 text. Organised like an emitter in a compiler: one
 * pass assigns every declaration a legal identifier unique within its module (ports first, then
 * declarations in program order), a second pass prints with that table. The output depends only
 * on the tree, so the same circuit always gives byte-identical text.
 */
public final class FirrtlWriter {

    /** The version this writer's syntax follows. */
    public static final String VERSION = "4.0.0";

    private static final String INDENT = "  ";

    private FirrtlWriter() {}

    public static String write(Circuit circuit) {
        // Module names share one circuit-wide namespace.
        Namespace moduleNames = new Namespace();
        Map<String, String> moduleMap = new Object2ObjectOpenHashMap<>();
        Map<String, FirModule> byName = new Object2ObjectOpenHashMap<>();
        for (FirModule m : circuit.modules()) {
            if (moduleMap.containsKey(m.name())) {
                throw new FirrtlException("circuit " + circuit.main(), "two modules named " + m.name());
            }
            moduleMap.put(m.name(), moduleNames.fresh(m.name()));
            byName.put(m.name(), m);
        }
        // Port tables first: an instance's ports are printed with its module's legal names.
        Map<String, Map<String, String>> portMaps = new Object2ObjectOpenHashMap<>();
        Map<String, Namespace> namespaces = new Object2ObjectOpenHashMap<>();
        for (FirModule m : circuit.modules()) {
            Namespace ns = new Namespace();
            Map<String, String> ports = new Object2ObjectLinkedOpenHashMap<>();
            for (Port p : m.ports()) {
                declare(m, ports, ns, p.name());
            }
            portMaps.put(m.name(), ports);
            namespaces.put(m.name(), ns);
        }

        StringBuilder out = new StringBuilder(4096);
        out.append("FIRRTL version ").append(VERSION).append('\n');
        out.append("circuit ").append(moduleMap.get(circuit.main())).append(" :\n");
        boolean first = true;
        for (FirModule m : circuit.modules()) {
            if (!first) {
                out.append('\n');
            }
            first = false;
            new ModulePrinter(m, circuit, moduleMap, byName, portMaps, namespaces.get(m.name()), out).print();
        }
        return out.toString();
    }

    private static void declare(FirModule m, Map<String, String> table, Namespace ns, String name) {
        if (table.containsKey(name)) {
            throw new FirrtlException("module " + m.name(), "name '" + name + "' is declared twice");
        }
        table.put(name, ns.fresh(name));
    }

    /** Prints one module; holds its name table. */
    private static final class ModulePrinter {
        private final FirModule module;
        private final Circuit circuit;
        private final Map<String, String> moduleMap;
        private final Map<String, FirModule> byName;
        private final Map<String, Map<String, String>> portMaps;
        private final Namespace ns;
        private final StringBuilder out;
        private final Map<String, String> names = new Object2ObjectOpenHashMap<>();
        // declared instance name -> its module's name, to print instance ports
        private final Map<String, String> instances = new Object2ObjectOpenHashMap<>();

        ModulePrinter(FirModule module, Circuit circuit, Map<String, String> moduleMap, Map<String, FirModule> byName,
                Map<String, Map<String, String>> portMaps, Namespace ns, StringBuilder out) {
            this.module = module;
            this.circuit = circuit;
            this.moduleMap = moduleMap;
            this.byName = byName;
            this.portMaps = portMaps;
            this.ns = ns;
            this.out = out;
        }

        void print() {
            names.putAll(portMaps.get(module.name()));
            collect(module.body());
            boolean isMain = module.name().equals(circuit.main());
            line(1, (isMain ? "public module " : "module ") + moduleMap.get(module.name()) + " :");
            for (Port p : module.ports()) {
                line(2, p.direction().keyword() + " " + names.get(p.name()) + " : " + type(p.type()));
            }
            if (!module.body().isEmpty()) {
                out.append('\n');
            }
            stmts(module.body(), 2);
        }

        private void collect(List<Stmt> body) {
            for (Stmt s : body) {
                String name = declaredName(s);
                if (s instanceof Stmt.Instance i) {
                    if (!byName.containsKey(i.module())) {
                        throw new FirrtlException("module " + module.name(), "instance '" + i.name()
                                + "' of unknown module " + i.module());
                    }
                    instances.put(i.name(), i.module());
                }
                if (name != null) {
                    declare(module, names, ns, name);
                }
                if (s instanceof Stmt.When w) {
                    collect(w.then());
                    collect(w.otherwise());
                }
            }
        }

        private void stmts(List<Stmt> body, int depth) {
            if (body.isEmpty()) {
                line(depth, "skip");
                return;
            }
            for (Stmt s : body) {
                stmt(s, depth);
            }
        }

        private void stmt(Stmt s, int depth) {
            if (s instanceof Stmt.Wire w) {
                line(depth, "wire " + names.get(w.name()) + " : " + type(w.type()));
            } else if (s instanceof Stmt.Reg r) {
                line(depth, "reg " + names.get(r.name()) + " : " + type(r.type()) + ", " + expr(r.clock()));
            } else if (s instanceof Stmt.RegReset r) {
                line(depth, "regreset " + names.get(r.name()) + " : " + type(r.type()) + ", " + expr(r.clock())
                        + ", " + expr(r.reset()) + ", " + expr(r.init()));
            } else if (s instanceof Stmt.Node n) {
                line(depth, "node " + names.get(n.name()) + " = " + expr(n.value()));
            } else if (s instanceof Stmt.Connect c) {
                line(depth, "connect " + expr(c.sink()) + ", " + expr(c.source()));
            } else if (s instanceof Stmt.Invalidate i) {
                line(depth, "invalidate " + expr(i.target()));
            } else if (s instanceof Stmt.When w) {
                when(w, depth, "when ");
            } else if (s instanceof Stmt.Instance i) {
                line(depth, "inst " + names.get(i.name()) + " of " + moduleMap.get(i.module()));
            } else if (s instanceof Stmt.Skip) {
                line(depth, "skip");
            }
        }

        /** An else branch that is a single when prints as {@code else when}, keeping chains flat. */
        private void when(Stmt.When w, int depth, String keyword) {
            line(depth, keyword + expr(w.cond()) + " :");
            stmts(w.then(), depth + 1);
            List<Stmt> other = w.otherwise();
            if (other.size() == 1 && other.get(0) instanceof Stmt.When chained) {
                when(chained, depth, "else when ");
            } else if (!other.isEmpty()) {
                line(depth, "else :");
                stmts(other, depth + 1);
            }
        }

        private String expr(Expr e) {
            StringBuilder sb = new StringBuilder();
            expr(e, sb);
            return sb.toString();
        }

        private void expr(Expr e, StringBuilder sb) {
            if (e instanceof Expr.Ref r) {
                String n = names.get(r.name());
                if (n == null) {
                    throw new FirrtlException("module " + module.name(), "reference to undeclared name '" + r.name() + "'");
                }
                sb.append(n);
            } else if (e instanceof Expr.SubField f) {
                expr(f.base(), sb);
                sb.append('.');
                if (f.base() instanceof Expr.Ref r && instances.containsKey(r.name())) {
                    String inst = instances.get(r.name());
                    String port = portMaps.get(inst).get(f.field());
                    if (port == null) {
                        throw new FirrtlException("module " + module.name(), "module " + inst + " has no port '"
                                + f.field() + "'");
                    }
                    sb.append(port);
                } else {
                    sb.append(Names.legalize(f.field()));
                }
            } else if (e instanceof Expr.SubIndex i) {
                expr(i.base(), sb);
                sb.append('[').append(i.index()).append(']');
            } else if (e instanceof Expr.SubAccess a) {
                expr(a.base(), sb);
                sb.append('[');
                expr(a.index(), sb);
                sb.append(']');
            } else if (e instanceof Expr.Literal l) {
                sb.append(type(l.type())).append('(').append(l.value()).append(')');
            } else if (e instanceof Expr.Mux m) {
                sb.append("mux(");
                expr(m.cond(), sb);
                sb.append(", ");
                expr(m.high(), sb);
                sb.append(", ");
                expr(m.low(), sb);
                sb.append(')');
            } else if (e instanceof Expr.Prim p) {
                sb.append(p.op().mnemonic()).append('(');
                String sep = "";
                for (Expr a : p.args()) {
                    sb.append(sep);
                    expr(a, sb);
                    sep = ", ";
                }
                for (int c : p.consts()) {
                    sb.append(sep).append(c);
                    sep = ", ";
                }
                sb.append(')');
            }
        }

        private void line(int depth, String text) {
            out.append(INDENT.repeat(depth)).append(text).append('\n');
        }
    }

    private static String declaredName(Stmt s) {
        if (s instanceof Stmt.Wire w) {
            return w.name();
        } else if (s instanceof Stmt.Reg r) {
            return r.name();
        } else if (s instanceof Stmt.RegReset r) {
            return r.name();
        } else if (s instanceof Stmt.Node n) {
            return n.name();
        } else if (s instanceof Stmt.Instance i) {
            return i.name();
        }
        return null;
    }

    /** Prints a type; bundle field names are legalised (and must stay distinct). */
    static String type(FirType t) {
        if (t instanceof FirType.UIntType u) {
            return "UInt<" + u.width() + ">";
        }
        if (t instanceof FirType.SIntType s) {
            return "SInt<" + s.width() + ">";
        }
        if (t instanceof FirType.ClockType) {
            return "Clock";
        }
        if (t instanceof FirType.ResetType) {
            return "Reset";
        }
        if (t instanceof FirType.AsyncResetType) {
            return "AsyncReset";
        }
        if (t instanceof FirType.VecType v) {
            return type(v.element()) + "[" + v.size() + "]";
        }
        FirType.BundleType b = (FirType.BundleType) t;
        StringBuilder sb = new StringBuilder("{");
        ObjectOpenHashSet<String> seen = new ObjectOpenHashSet<>();
        String sep = "";
        for (FirType.Field f : b.fields()) {
            String name = Names.legalize(f.name());
            if (!seen.add(name)) {
                throw new FirrtlException("type", "bundle fields collide after legalising: '" + f.name() + "' -> " + name);
            }
            sb.append(sep).append(f.flip() ? "flip " : "").append(name).append(" : ").append(type(f.type()));
            sep = ", ";
        }
        return sb.append('}').toString();
    }
}
