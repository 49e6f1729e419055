package io.moesim.hw;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Merges an override tree onto a preset tree. Sections merge key by key; a figure
 * ({@code {value, source}}) is replaced whole, so an override never keeps the preset's source
 * beside a new value; an explicit {@code null} removes the key (how {@code xpu.yaml} drops the
 * Logic-PIM processor of its {@code duplex} preset).
 */
final class DeepMerge {
    private DeepMerge() {
    }

    static ObjectNode merge(ObjectNode base, ObjectNode over) {
        ObjectNode out = base.deepCopy();
        for (Map.Entry<String, JsonNode> e : over.properties()) {
            JsonNode o = e.getValue();
            JsonNode b = out.get(e.getKey());
            if (o.isNull()) {
                out.remove(e.getKey());
            } else if (b != null && b.isObject() && o.isObject() && !isFigure(b) && !isFigure(o)) {
                out.set(e.getKey(), merge((ObjectNode) b, (ObjectNode) o));
            } else {
                out.set(e.getKey(), o.deepCopy());
            }
        }
        return out;
    }

    /** A figure is a mapping with a {@code value} key. */
    static boolean isFigure(JsonNode n) {
        return n != null && n.isObject() && n.has("value");
    }
}
