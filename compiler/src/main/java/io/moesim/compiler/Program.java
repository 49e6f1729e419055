package io.moesim.compiler;

import io.moesim.hw.SystemSpec;
import io.moesim.ir.graph.Graph;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What flows through the pipeline: the graph (of one device, SPMD, after parallelisation), the
 * system it is compiled for, the stages established so far, and typed facts that passes add
 * (an expert placement, a processor placement, the plan). Immutable: each pass returns a new one.
 */
public final class Program {
    private final Graph graph;
    private final SystemSpec system;
    private final Set<Stage> stages;
    private final Map<Class<?>, Object> facts;

    private Program(Graph graph, SystemSpec system, Set<Stage> stages, Map<Class<?>, Object> facts) {
        this.graph = graph;
        this.system = system;
        this.stages = stages;
        this.facts = facts;
    }

    public static Program of(Graph graph, SystemSpec system) {
        return new Program(graph, system, Collections.unmodifiableSet(EnumSet.noneOf(Stage.class)), Map.of());
    }

    public Graph graph() {
        return graph;
    }

    public SystemSpec system() {
        return system;
    }

    public Set<Stage> stages() {
        return stages;
    }

    public boolean has(Stage s) {
        return stages.contains(s);
    }

    public Program withGraph(Graph g) {
        return new Program(g, system, stages, facts);
    }

    public Program withStages(Set<Stage> added) {
        EnumSet<Stage> s = stages.isEmpty() ? EnumSet.noneOf(Stage.class) : EnumSet.copyOf(stages);
        s.addAll(added);
        return new Program(graph, system, Collections.unmodifiableSet(s), facts);
    }

    /** Adds or replaces a fact, keyed by its class. */
    public <T> Program with(Class<T> type, T fact) {
        Map<Class<?>, Object> f = new LinkedHashMap<>(facts);
        f.put(type, type.cast(fact));
        return new Program(graph, system, stages, Collections.unmodifiableMap(f));
    }

    public <T> Optional<T> fact(Class<T> type) {
        return Optional.ofNullable(type.cast(facts.get(type)));
    }

    /** A fact a pass needs; a missing one is a pipeline bug, reported with the pass name. */
    public <T> T require(Class<T> type, String pass) {
        return fact(type).orElseThrow(() -> new CompilerException(pass, "needs " + type.getSimpleName() + ", which no earlier pass produced"));
    }
}
