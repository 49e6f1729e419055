package io.moesim.hw;

import java.util.OptionalDouble;

/** Power and energy figures a device's sources give; absent where they give none. */
public record PowerSpec(OptionalDouble boardPowerW, OptionalDouble hbmAccessEnergyPjPerBit) {

    public static PowerSpec none() {
        return new PowerSpec(OptionalDouble.empty(), OptionalDouble.empty());
    }
}
