package io.moesim.reports;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the time of one layer type goes, seconds by category ("compute xpu", "compute logic_pim",
 * "communication", "idle"), in the order given: that order is the stacking order of the bars.
 */
public record LayerTimes(String layerType, Map<String, Double> secondsByCategory) {
    public LayerTimes {
        secondsByCategory = Collections.unmodifiableMap(new LinkedHashMap<>(secondsByCategory));
    }
}
