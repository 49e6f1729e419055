package io.moesim.sim.kernel;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A spec's full text, the same in every run: like a record's {@code toString}, but maps and sets are
 * written sorted by their entries' text. (A {@code HashMap} keyed by an enum iterates in the order
 * of the enum constants' identity hashes, which change from run to run, so {@code toString} alone
 * cannot key a store that outlives the run.)
 */
final class SpecText {
    private SpecText() {
    }

    static String of(Object o) {
        StringBuilder b = new StringBuilder(512);
        write(b, o);
        return b.toString();
    }

    private static void write(StringBuilder b, Object o) {
        if (o == null) {
            b.append("null");
        } else if (o instanceof Record r) {
            b.append(r.getClass().getSimpleName()).append('[');
            RecordComponent[] cs = r.getClass().getRecordComponents();
            for (int i = 0; i < cs.length; i++) {
                b.append(i == 0 ? "" : ", ").append(cs[i].getName()).append('=');
                try {
                    cs[i].getAccessor().setAccessible(true);
                    write(b, cs[i].getAccessor().invoke(r));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    b.append(r); // cannot look inside: the record's own text
                    return;
                }
            }
            b.append(']');
        } else if (o instanceof Map<?, ?> m) {
            List<String> es = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                es.add(of(e.getKey()) + "=" + of(e.getValue()));
            }
            es.sort(null);
            b.append('{').append(String.join(", ", es)).append('}');
        } else if (o instanceof Set<?> s) {
            List<String> es = new ArrayList<>();
            for (Object e : s) {
                es.add(of(e));
            }
            es.sort(null);
            b.append('{').append(String.join(", ", es)).append('}');
        } else if (o instanceof Collection<?> c) {
            b.append('[');
            boolean first = true;
            for (Object e : c) {
                b.append(first ? "" : ", ");
                first = false;
                write(b, e);
            }
            b.append(']');
        } else if (o instanceof Optional<?> opt) {
            if (opt.isPresent()) {
                b.append("Optional[");
                write(b, opt.get());
                b.append(']');
            } else {
                b.append("Optional.empty");
            }
        } else if (o instanceof Enum<?> e) {
            b.append(e.name());
        } else {
            b.append(o);
        }
    }
}
