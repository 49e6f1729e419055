package io.moesim.hw;

/**
 * One problem found in a spec: the file (as the user named it, or the resource path), the dotted
 * key path inside it (empty for whole-file problems) and what is wrong.
 */
public record SpecProblem(String file, String path, String message) {

    @Override
    public String toString() {
        String m = message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
        return path.isEmpty() ? file + ": " + m : file + ": " + path + ": " + m;
    }
}
