package io.moesim.ir.graph;

/** One problem the verifier found: where (a value, node or file position) and what. */
public record Diagnostic(String location, String message) {
    @Override
    public String toString() {
        return location.isEmpty() ? message : location + ": " + message;
    }
}
