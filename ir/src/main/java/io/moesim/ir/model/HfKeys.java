package io.moesim.ir.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.ir.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Typed access to the keys of a Hugging Face {@code config.json}, under an optional prefix (e.g.
 * {@code text_config.} for Llama 4), with errors that name the file, the key and the architecture.
 * One reader for {@link HfConfigImporter}'s families and {@link HfFamilies}'; the {@code try*}
 * readers collect problems instead of throwing (the generic import names every key it could not
 * interpret at once).
 */
final class HfKeys {
    final String file;
    final String arch;
    final JsonNode root;
    final String prefix;

    HfKeys(String file, String arch, JsonNode root, String prefix) {
        this.file = file;
        this.arch = arch;
        this.root = root;
        this.prefix = prefix;
    }

    private static JsonNode at(JsonNode n, String path) {
        for (String part : path.split("\\.")) {
            n = n == null || !n.isObject() ? null : n.get(part);
        }
        return n == null || n.isNull() ? null : n;
    }

    JsonNode find(String key) {
        return at(root, prefix + key);
    }

    ModelException bad(String key, String what, JsonNode n) {
        return new ModelException(file + ": key '" + prefix + key + "' must be " + what + ", got " + n + " (" + arch + ")");
    }

    private JsonNode req(String key) {
        JsonNode n = find(key);
        if (n == null) {
            throw new ModelException(file + ": missing key '" + prefix + key + "' (" + arch + ")");
        }
        return n;
    }

    long longReq(String key) {
        JsonNode n = req(key);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw bad(key, "an integer", n);
        }
        return n.asLong();
    }

    int intReq(String key) {
        JsonNode n = req(key);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw bad(key, "an integer", n);
        }
        return n.asInt();
    }

    int intOpt(String key, int dflt) {
        return find(key) == null ? dflt : intReq(key);
    }

    long longOpt(String key, long dflt) {
        return find(key) == null ? dflt : longReq(key);
    }

    double doubleOpt(String key, double dflt) {
        JsonNode n = find(key);
        if (n == null) {
            return dflt;
        }
        if (!n.isNumber()) {
            throw bad(key, "a number", n);
        }
        return n.asDouble();
    }

    boolean boolOpt(String key, boolean dflt) {
        JsonNode n = find(key);
        if (n == null) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw bad(key, "true or false", n);
        }
        return n.asBoolean();
    }

    boolean rootBool(String key, boolean dflt) {
        JsonNode n = at(root, key);
        return n != null && n.isBoolean() ? n.asBoolean() : dflt;
    }

    String rootText(String key, String dflt) {
        JsonNode n = at(root, key);
        return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText() : dflt;
    }

    String textOpt(String key, String dflt) {
        JsonNode n = find(key);
        if (n == null) {
            return dflt;
        }
        if (!n.isTextual()) {
            throw bad(key, "a string", n);
        }
        return n.asText();
    }

    List<Integer> intList(String key) {
        JsonNode n = find(key);
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            throw bad(key, "a list of integers", n);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw bad(key, "a list of integers", n);
            }
            out.add(e.asInt());
        }
        return out;
    }

    List<String> textListLenient(String key) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : find(key)) {
            out.add(e.asText());
        }
        return out;
    }

    // generic-import readers: a missing required key or an unreadable value is collected, not thrown
    Integer tryInt(String key, boolean required, Set<String> problems) {
        JsonNode n = find(key);
        if (n == null) {
            if (required) {
                problems.add(key);
            }
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0) {
            problems.add(key);
            return null;
        }
        return n.asInt();
    }

    Long tryLong(String key, boolean required, Set<String> problems) {
        JsonNode n = find(key);
        if (n == null) {
            if (required) {
                problems.add(key);
            }
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            problems.add(key);
            return null;
        }
        return n.asLong();
    }

    Boolean tryBool(String key, Set<String> problems) {
        JsonNode n = find(key);
        if (n == null) {
            return null;
        }
        if (!n.isBoolean()) {
            problems.add(key);
            return null;
        }
        return n.asBoolean();
    }

    Double tryDouble(String key, Set<String> problems) {
        JsonNode n = find(key);
        if (n == null) {
            return null;
        }
        if (!n.isNumber() || !(n.asDouble() > 0)) {
            problems.add(key);
            return null;
        }
        return n.asDouble();
    }

    /** torch_dtype (or the newer dtype key) under the prefix, else at the top level; bf16 when absent. */
    DType dtype() {
        JsonNode n = find("torch_dtype");
        String key = prefix + "torch_dtype";
        if (n == null) {
            n = find("dtype");
            key = prefix + "dtype";
        }
        if (n == null && !prefix.isEmpty()) {
            n = at(root, "torch_dtype");
            key = "torch_dtype";
        }
        if (n == null) {
            return DType.BF16;
        }
        if (!n.isTextual()) {
            throw new ModelException(file + ": key '" + key + "' must be a string, got " + n + " (" + arch + ")");
        }
        try {
            DType d = DType.parse(n.asText());
            return d.isFloating() ? d : DType.BF16;
        } catch (IllegalArgumentException e) {
            throw new ModelException(file + ": key '" + key + "': " + e.getMessage() + " (" + arch + ")");
        }
    }


    /** A required positive integer (a size or a count), checked against the model bounds. */
    int posReq(String key) {
        int v = intReq(key);
        if (v <= 0) {
            throw new ModelException(file + ": key '" + prefix + key + "' must be > 0, got " + v + " (" + arch + ")");
        }
        if (key.endsWith("layers") && v > ModelConfig.MAX_LAYERS) {
            throw new ModelException(file + ": key '" + prefix + key + "' must be <= " + ModelConfig.MAX_LAYERS + ", got " + v + " (" + arch + ")");
        }
        return v;
    }
    /**
     * hidden_act: every supported architecture has a gated MLP (gate, up and down matrices), so the
     * activation does not change the cost; one that transformers does not know is refused.
     */
    void activation() {
        String key = find("hidden_act") != null ? "hidden_act" : find("hidden_activation") != null ? "hidden_activation" : null;
        if (key == null) {
            return;
        }
        String act = textOpt(key, "silu");
        if (!HfConfigImporter.ACTIVATIONS.contains(act)) {
            throw new ModelException(file + ": key '" + key + "': unknown activation '" + act + "' (known: " + String.join(", ", HfConfigImporter.ACTIVATIONS)
                    + ") (" + arch + ")");
        }
    }
    List<String> textList(String key) {
        JsonNode n = find(key);
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            throw bad(key, "a list of strings", n);
        }
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        for (JsonNode e : n) {
            out.add(e.asText());
        }
        return out;
    }
}
