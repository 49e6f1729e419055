package io.moesim.sim.kernel;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.Targets;

/** Built-in targets the kernel tests use. */
public final class KernelFixtures {
    private KernelFixtures() {
    }

    public static DeviceSpec h100() {
        return Targets.load("h100");
    }

    public static DeviceSpec duplex() {
        return Targets.load("duplex");
    }

    public static DeviceSpec target(String id) {
        return Targets.load(id);
    }
}
