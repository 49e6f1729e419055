package io.moesim.reports;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** Busy fraction (0..1) of each processor of one system, sorted by processor name. */
public record Utilisation(String system, Map<String, Double> byProcessor) {
    public Utilisation {
        byProcessor = Collections.unmodifiableMap(new TreeMap<>(byProcessor));
    }
}
