package io.moesim.hw;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One {@code --set KEY.PATH=VALUE} from the command line. A path names keys from the root of the
 * spec ({@code memory.hbm_bandwidth_GBps}, {@code processors.xpu.clock_MHz}); a processor's keys can
 * also be reached by the processor's name alone ({@code logic_pim.tsv_multiplier}), and a PIM
 * processor's organisation by the path its JSON shows ({@code logic_pim.pim.tsv_multiplier}). In a
 * system, {@code device.PATH} reaches the device's spec, and so does a key the system lacks and
 * its device has ({@code memory.tRFC_ns}), so keys read the same in every command.
 */
public record SetOverride(String text, String path, String value) {

    private static final Pattern PATH = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z0-9_][A-Za-z0-9_]*)*");

    /** The source recorded beside a value given on the command line. */
    public static final String SOURCE = "--set on the command line";

    public static SetOverride parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new SpecException("--set", text, "expected KEY.PATH=VALUE, got no '='");
        }
        String path = text.substring(0, eq).trim();
        String value = text.substring(eq + 1).trim();
        if (!PATH.matcher(path).matches()) {
            throw new SpecException("--set", text, "bad key path '" + path
                    + "' (expected dotted keys such as memory.hbm_bandwidth_GBps)");
        }
        if (value.isEmpty()) {
            throw new SpecException("--set", text, "missing value after '='");
        }
        return new SetOverride(text, path, value);
    }

    public static List<SetOverride> parseAll(List<String> texts) {
        return texts == null ? List.of() : texts.stream().map(SetOverride::parse).toList();
    }

    public List<String> segments() {
        return List.of(path.split("\\."));
    }

    /** The same override with its first path segment removed ({@code device.x.y} → {@code x.y}). */
    SetOverride tail() {
        String rest = path.substring(path.indexOf('.') + 1);
        return new SetOverride(text, rest, value);
    }
}
