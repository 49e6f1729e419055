package io.moesim.sim;

import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.model.Routing;
import io.moesim.sim.serving.LengthSpec;
import java.util.Objects;

/**
 * A run setting parsed once, at the boundary where a flag, a YAML key or a builder call gives it, kept with
 * the text it was parsed from: results echo the text as the user wrote it ({@code zipf:1.20},
 * {@code traces/lengths.txt}), the simulator uses {@link #value}. Two are equal when their texts are (the
 * value follows from the text; a length file's rows are not compared).
 *
 * @param text  the setting as given
 * @param value what it means
 */
public record Parsed<T>(String text, T value) {
    public Parsed {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(value, "value");
    }

    /** A routing ({@code uniform}, {@code zipf:S}, {@code trace:FILE}, the trace read now); errors start with {@code label}. */
    public static Parsed<Routing> routing(String text, String label) {
        return new Parsed<>(text, parse(text, label, Routing::parse));
    }

    /** A length distribution ({@code fixed}, {@code gaussian:SIGMA}, {@code lognormal:SPREAD}, a file, read now); errors start with {@code label}. */
    public static Parsed<LengthSpec> lengths(String text, String label) {
        return lengths(text, label, null);
    }

    /** ... a file of lengths found relative to {@code folder} (null: the working folder), as a file that names it says. */
    public static Parsed<LengthSpec> lengths(String text, String label, java.nio.file.Path folder) {
        return new Parsed<>(text, parse(text, label, t -> LengthSpec.parse(t, folder)));
    }

    /** A dtype name or alias; null stays null (the model's own); errors start with {@code label}. */
    public static DType dtype(String text, String label) {
        if (text == null) {
            return null;
        }
        return parse(text, label, DType::parse);
    }

    /** {@code parser} applied to {@code text}; its error, whatever its kind, as one line starting with {@code label}. */
    private static <T> T parse(String text, String label, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(text);
        } catch (MoesimException | IllegalArgumentException e) {
            throw new MoesimException(label + ": " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Parsed<?> p && p.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
