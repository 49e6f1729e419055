package io.moesim.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.op.Op;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Every op kind has its sharding rule, and the table names no kind that is not an op. */
@Tag("fast")
class ShardingRulesTest {
    /** The concrete op kinds: Op's permitted subclasses, sealed sub-interfaces (Collective) expanded. */
    static Set<Class<?>> opKinds() {
        Set<Class<?>> out = new HashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>();
        todo.add(Op.class);
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            if (c.isSealed()) {
                for (Class<?> p : c.getPermittedSubclasses()) {
                    todo.add(p);
                }
            } else {
                out.add(c);
            }
        }
        return out;
    }

    @Test
    void everyOpKindHasExactlyOneRule() {
        Set<Class<?>> kinds = opKinds();
        assertTrue(kinds.size() >= 23, "18 permitted kinds, Collective's 6 among them: " + kinds);
        for (Class<?> k : kinds) {
            assertTrue(ShardingRules.RULES.containsKey(k), "no sharding rule for " + k.getSimpleName());
        }
        assertEquals(kinds, new HashSet<>(ShardingRules.RULES.keySet()));
    }
}
