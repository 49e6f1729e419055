package io.moesim.hw;

import java.util.Arrays;
import java.util.Optional;

/** What a processor is; the PIM kinds also fix where their units sit. */
public enum ProcessorKind {
    GPU("gpu", null),
    XPU("xpu", null),
    LOGIC_PIM("logic-pim", PimPlacement.LOGIC_DIE),
    BANK_PIM("bank-pim", PimPlacement.BANK),
    BANKGROUP_PIM("bankgroup-pim", PimPlacement.BANK_GROUP);

    private final String text;
    private final PimPlacement placement;

    ProcessorKind(String text, PimPlacement placement) {
        this.text = text;
        this.placement = placement;
    }

    public String text() {
        return text;
    }

    public boolean isPim() {
        return placement != null;
    }

    /** Where a PIM kind's units sit; empty for gpu and xpu. */
    public Optional<PimPlacement> placement() {
        return Optional.ofNullable(placement);
    }

    public static Optional<ProcessorKind> parse(String s) {
        return Arrays.stream(values()).filter(k -> k.text.equals(s)).findFirst();
    }

    @Override
    public String toString() {
        return text;
    }
}
