package io.moesim.hw.firrtl;

import it.unimi.dsi.fastutil.objects.ObjectOpenHashSet;
import java.util.Set;

/**
 * Legal FIRRTL identifiers. The spec's identifier is {@code [A-Za-z_][A-Za-z0-9_]*}; FIRRTL also
 * has back-quoted literal identifiers, but we never emit them, so that every downstream parser
 * (old Scala FIRRTL, CIRCT) reads our names the same way. Words that the language gives a meaning
 * (statement and declaration keywords, type names, primop names) get a trailing underscore: a
 * parser that sees {@code node} or {@code add} at the start of a statement would take it for the
 * keyword.
 */
public final class Names {

    private static final Set<String> RESERVED = new ObjectOpenHashSet<>(new String[] {
        // structure and declarations
        "FIRRTL", "version", "circuit", "module", "extmodule", "intmodule", "public", "layer", "layerblock",
        "formal", "simulation", "option", "instchoice", "type", "const", "defname", "parameter", "intrinsic",
        "input", "output", "flip", "wire", "reg", "regreset", "node", "inst", "of", "mem", "cmem", "smem",
        "mport", "infer", "read", "write", "rdwr", "depth", "reader", "writer", "readwriter", "old", "new",
        "undefined",
        // statements
        "connect", "invalidate", "attach", "when", "else", "skip", "printf", "fprintf", "fflush", "stop",
        "assert", "assume", "cover", "match", "propassign", "define", "force", "force_initial", "release",
        "release_initial", "probe", "rwprobe", "is", "invalid", "with", "reset", "ref",
        // types
        "UInt", "SInt", "Clock", "Reset", "AsyncReset", "Analog", "Probe", "RWProbe", "Integer", "String",
        "Bool", "Double", "List", "Path", "AnyRef", "Inst", "Domain",
        // primops and mux
        "add", "sub", "mul", "div", "rem", "lt", "leq", "gt", "geq", "eq", "neq", "pad", "asUInt", "asSInt",
        "asClock", "asAsyncReset", "asReset", "shl", "shr", "dshl", "dshr", "cvt", "neg", "not", "and", "or",
        "xor", "andr", "orr", "xorr", "cat", "bits", "head", "tail", "mux", "validif",
    });

    private Names() {}

    /** True when {@code name} can be printed as it is. */
    public static boolean isLegal(String name) {
        return name.equals(legalize(name));
    }

    /** True for words reserved by FIRRTL (including "reset": see {@link #legalize}). */
    public static boolean isReserved(String name) {
        return RESERVED.contains(name);
    }

    /**
     * Maps any string to a legal identifier: illegal characters become '_', a leading digit gets a
     * '_' prefix, a reserved word gets a '_' suffix. Pure: the same input always gives the same
     * output, so field names stay consistent between a type and the expressions that use it.
     */
    public static String legalize(String name) {
        if (name.isEmpty()) {
            return "_";
        }
        StringBuilder sb = new StringBuilder(name.length() + 1);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            sb.append(ok ? c : '_');
        }
        if (Character.isDigit(sb.charAt(0))) {
            sb.insert(0, '_');
        }
        String out = sb.toString();
        // "reset" is only reserved in the pre-1.0 `with : (reset => ...)` syntax; a port named reset is
        // what every Chisel design has, so keep it.
        if (RESERVED.contains(out) && !out.equals("reset")) {
            out = out + "_";
        }
        return out;
    }
}
