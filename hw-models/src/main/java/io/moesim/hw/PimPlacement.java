package io.moesim.hw;

import java.util.Arrays;
import java.util.Optional;

/** Where PIM units sit in an HBM stack. */
public enum PimPlacement {
    LOGIC_DIE("logic_die"),
    BANK_GROUP("bank_group"),
    BANK("bank");

    private final String text;

    PimPlacement(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static Optional<PimPlacement> parse(String s) {
        return Arrays.stream(values()).filter(k -> k.text.equals(s)).findFirst();
    }

    @Override
    public String toString() {
        return text;
    }
}
