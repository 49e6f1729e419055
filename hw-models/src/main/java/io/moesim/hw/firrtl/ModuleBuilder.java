package io.moesim.hw.firrtl;

import it.unimi.dsi.fastutil.objects.Object2ObjectOpenHashMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Builds one {@link FirModule} statement by statement, the way a generator thinks: declare, get
 * a reference back, connect. It gives every declaration a fresh legal name, tracks types so that
 * it can size results and refuse a connect that would silently drop bits, and nests statements
 * under {@code when}. Single use: {@link #build()} ends it.
 */
public final class ModuleBuilder {

    private final String name;
    private final Namespace ns = new Namespace();
    private final Map<String, FirType> types = new Object2ObjectOpenHashMap<>();
    private final List<Port> ports = new ArrayList<>();
    private final Deque<List<Stmt>> blocks = new ArrayDeque<>();

    public ModuleBuilder(String name) {
        this.name = name;
        blocks.push(new ArrayList<>());
    }

    public String name() {
        return name;
    }

    public Expr.Ref input(String port, FirType type) {
        return port(Port.Direction.INPUT, port, type);
    }

    public Expr.Ref output(String port, FirType type) {
        return port(Port.Direction.OUTPUT, port, type);
    }

    private Expr.Ref port(Port.Direction dir, String port, FirType type) {
        if (blocks.size() != 1 || !blocks.peek().isEmpty()) {
            throw new FirrtlException("module " + name, "ports must be declared before any statement");
        }
        String n = declare(port, type);
        ports.add(new Port(dir, n, type));
        return new Expr.Ref(n);
    }

    public Expr.Ref wire(String wire, FirType type) {
        String n = declare(wire, type);
        emit(new Stmt.Wire(n, type));
        return new Expr.Ref(n);
    }

    public Expr.Ref reg(String reg, FirType type, Expr clock) {
        String n = declare(reg, type);
        emit(new Stmt.Reg(n, type, clock));
        return new Expr.Ref(n);
    }

    public Expr.Ref regReset(String reg, FirType type, Expr clock, Expr reset, Expr init) {
        checkConnect(type, typeOf(init), "init of " + reg);
        String n = declare(reg, type);
        emit(new Stmt.RegReset(n, type, clock, reset, init));
        return new Expr.Ref(n);
    }

    public Expr.Ref node(String node, Expr value) {
        FirType t = typeOf(value);
        String n = declare(node, t);
        emit(new Stmt.Node(n, value));
        return new Expr.Ref(n);
    }

    /** Instantiates {@code module}; its ports are fields of the returned reference. */
    public Expr.Ref instance(String inst, FirModule module) {
        List<FirType.Field> fields = new ArrayList<>();
        for (Port p : module.ports()) {
            fields.add(new FirType.Field(p.name(), p.direction() == Port.Direction.INPUT, p.type()));
        }
        String n = declare(inst, new FirType.BundleType(fields));
        emit(new Stmt.Instance(n, module.name()));
        return new Expr.Ref(n);
    }

    /** {@code connect sink, source}; the source may be narrower (FIRRTL extends it) but not wider. */
    public void connect(Expr sink, Expr source) {
        checkConnect(typeOf(sink), typeOf(source), "connect");
        emit(new Stmt.Connect(sink, source));
    }

    /** Connects after truncating {@code source} to the sink's width (two's complement wrap). */
    public void connectTruncating(Expr sink, Expr source) {
        FirType st = typeOf(sink);
        FirType so = typeOf(source);
        Expr value = source;
        if (st.isInteger() && so.isInteger() && so.width() > st.width()) {
            Expr low = Exprs.tail(source, so.width() - st.width());
            value = st instanceof FirType.SIntType ? Exprs.asSInt(low) : low;
        }
        connect(sink, value);
    }

    public void invalidate(Expr target) {
        typeOf(target);
        emit(new Stmt.Invalidate(target));
    }

    public void when(Expr cond, Runnable then) {
        when(cond, then, null);
    }

    public void when(Expr cond, Runnable then, Runnable otherwise) {
        FirType c = typeOf(cond);
        if (!(c instanceof FirType.UIntType u) || u.width() != 1) {
            throw new FirrtlException("module " + name, "when condition must be UInt<1>, got " + c);
        }
        List<Stmt> a = nested(then);
        List<Stmt> b = otherwise == null ? List.of() : nested(otherwise);
        emit(new Stmt.When(cond, a, b));
    }

    private List<Stmt> nested(Runnable body) {
        blocks.push(new ArrayList<>());
        body.run();
        return blocks.pop();
    }

    public FirType typeOf(Expr e) {
        return Types.of(e, types::get);
    }

    public FirModule build() {
        if (blocks.size() != 1) {
            throw new FirrtlException("module " + name, "build() inside a when block");
        }
        return new FirModule(name, ports, blocks.peek());
    }

    private String declare(String base, FirType type) {
        String n = ns.fresh(base);
        types.put(n, type);
        return n;
    }

    private void emit(Stmt s) {
        blocks.peek().add(s);
    }

    private void checkConnect(FirType sink, FirType source, String what) {
        boolean ok;
        if (sink instanceof FirType.UIntType && source instanceof FirType.UIntType
                || sink instanceof FirType.SIntType && source instanceof FirType.SIntType) {
            ok = source.width() <= sink.width();
        } else {
            ok = sink.equals(source);
        }
        if (!ok) {
            throw new FirrtlException("module " + name, what + ": cannot drive " + sink + " from " + source);
        }
    }
}
