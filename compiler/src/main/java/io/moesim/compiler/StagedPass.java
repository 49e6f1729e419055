package io.moesim.compiler;

import java.util.Set;

/** A pass whose name and stage contract are fixed at construction: what every standard pass shares. */
public abstract class StagedPass implements Pass {
    private final String name;
    private final Set<Stage> requires;
    private final Set<Stage> provides;

    protected StagedPass(String name, Set<Stage> requires, Set<Stage> provides) {
        this.name = name;
        this.requires = Set.copyOf(requires);
        this.provides = Set.copyOf(provides);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Set<Stage> requires() {
        return requires;
    }

    @Override
    public final Set<Stage> provides() {
        return provides;
    }

    @Override
    public String toString() {
        return name;
    }
}
