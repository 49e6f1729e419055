package io.moesim.hw.firrtl;

import java.util.List;

/** A FIRRTL circuit: its modules, one of which (named {@code main}) is the public top. */
public record Circuit(String main, List<FirModule> modules) {
    public Circuit {
        modules = List.copyOf(modules);
        if (modules.stream().noneMatch(m -> m.name().equals(main))) {
            throw new FirrtlException("circuit " + main, "no module named " + main);
        }
    }
}
