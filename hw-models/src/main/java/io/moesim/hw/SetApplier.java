package io.moesim.hw;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies {@code --set} overrides to a merged spec tree. A value set on a figure replaces the
 * figure with {@code {value, source: "--set on the command line"}}; a path to a key the spec does
 * not have is created, and the validator then reports it as an unknown key with a suggestion.
 */
final class SetApplier {
    private SetApplier() {
    }

    /** Returns the effective dotted paths (after the processor shorthand), in order. */
    static List<String> apply(ObjectNode root, List<SetOverride> sets, String file, List<SpecProblem> problems) {
        List<String> effective = new ArrayList<>();
        for (SetOverride s : sets) {
            List<String> seg = new ArrayList<>(s.segments());
            // Shorthand: NAME.key for processors.NAME.key when NAME is not a top-level key.
            if (seg.size() > 1 && !root.has(seg.get(0)) && root.path("processors").has(seg.get(0))) {
                seg.add(0, "processors");
            }
            // The JSON of `target show` groups a PIM processor's organisation under "pim"
            // (processors[i].pim.tsv_multiplier); the spec keeps those keys on the processor itself
            if (seg.size() == 4 && seg.get(0).equals("processors") && seg.get(2).equals("pim")
                    && root.path("processors").path(seg.get(1)).isObject() && !root.path("processors").path(seg.get(1)).has("pim")) {
                seg.remove(2);
            }
            String where = String.join(".", seg);
            effective.add(where);
            String label = "--set " + s.text() + ": " + where;
            ObjectNode node = root;
            boolean ok = true;
            for (int i = 0; i < seg.size() - 1; i++) {
                JsonNode next = node.get(seg.get(i));
                if (next == null || next.isNull()) {
                    next = node.putObject(seg.get(i));
                } else if (!next.isObject() || DeepMerge.isFigure(next)) {
                    problems.add(new SpecProblem(file, label, "'" + String.join(".", seg.subList(0, i + 1))
                            + "' is a value, not a section"));
                    ok = false;
                    break;
                }
                node = (ObjectNode) next;
            }
            if (!ok) {
                continue;
            }
            String key = seg.get(seg.size() - 1);
            JsonNode old = node.get(key);
            Double number = parseNumber(s.value());
            if (s.value().equals("null")) {
                node.remove(key);
            } else if (old != null && old.isObject() && !DeepMerge.isFigure(old)) {
                problems.add(new SpecProblem(file, label, "is a section, not a value"));
            } else if (DeepMerge.isFigure(old) || (old == null && number != null) || (old != null && old.isNumber())) {
                if (number == null) {
                    problems.add(new SpecProblem(file, label, "expected a number, got '" + s.value() + "'"));
                    continue;
                }
                ObjectNode fig = JsonNodeFactory.instance.objectNode();
                if (number == Math.rint(number) && Math.abs(number) < 1e15) {
                    fig.put("value", number.longValue());
                } else {
                    fig.put("value", number);
                }
                fig.put("source", SetOverride.SOURCE);
                node.set(key, fig);
            } else {
                node.put(key, s.value());
            }
        }
        return effective;
    }

    private static Double parseNumber(String s) {
        try {
            double d = Double.parseDouble(s);
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
