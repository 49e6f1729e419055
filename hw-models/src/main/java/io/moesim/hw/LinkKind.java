package io.moesim.hw;

import java.util.Arrays;
import java.util.Optional;

/** The family of a link. */
public enum LinkKind {
    NVLINK("nvlink"),
    XGMI("xgmi"),
    PCIE("pcie"),
    INFINIBAND("infiniband");

    private final String text;

    LinkKind(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static Optional<LinkKind> parse(String s) {
        return Arrays.stream(values()).filter(k -> k.text.equals(s)).findFirst();
    }

    @Override
    public String toString() {
        return text;
    }
}
