package io.moesim.compiler;

import java.util.Set;

/** One step of the compiler: a name, the stages it needs and adds, and the transformation. */
public interface Pass {

    /** The name used by {@code --dump-after} and in timings. */
    String name();

    Set<Stage> requires();

    Set<Stage> provides();

    /** Transforms the program. Must not mutate its argument; throws {@link CompilerException} on a problem. */
    Program run(Program in, PassContext ctx);
}
