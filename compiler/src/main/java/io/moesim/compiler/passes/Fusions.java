package io.moesim.compiler.passes;

import java.util.List;

/** The fact fusion leaves: every fusion, in program order of the absorbed node. */
public record Fusions(List<Fusion> fusions) {
    public static final Fusions NONE = new Fusions(List.of());

    public Fusions {
        fusions = List.copyOf(fusions);
    }

    public Fusion absorbing(String path) {
        for (Fusion f : fusions) {
            if (f.absorbed().equals(path)) {
                return f;
            }
        }
        return null;
    }

    public List<Fusion> survivingAt(String path) {
        return fusions.stream().filter(f -> f.survivor().equals(path)).toList();
    }
}
