package io.moesim.hw;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A memory tier below a device's HBM that expert weights can be offloaded to ({@code tiers/*.yaml}:
 * {@code host} (PCIe 5.0), {@code c2c} (NVLink-C2C), {@code cxl}, {@code nvme}, {@code host-pcie3-skylake} (Fiddler's
 * environment 1: PCIe 3.0 and two Skylake-SP sockets), or a user's file),
 * per device: what it holds, how fast a fetch into HBM streams and what each fetch costs to start.
 */
public record MemoryTier(String id, String name, double capacityGB, double bandwidthGBps, double latencyUs, java.util.OptionalDouble hostCpuTflops,
        java.util.OptionalDouble hostCpuMemoryGBps) {

    /** A tier without host CPU figures. */
    public MemoryTier(String id, String name, double capacityGB, double bandwidthGBps, double latencyUs) {
        this(id, name, capacityGB, bandwidthGBps, latencyUs, java.util.OptionalDouble.empty(), java.util.OptionalDouble.empty());
    }

    public MemoryTier {
        if (!(capacityGB > 0) || !(bandwidthGBps > 0) || !(latencyUs >= 0)) {
            throw new IllegalArgumentException("memory tier " + id + ": capacity and bandwidth must be > 0, latency >= 0");
        }
    }

    public static List<String> ids() {
        return SpecSources.ids("tiers");
    }

    /** A built-in tier by id or a YAML file; problems in one {@link SpecException} naming file and key. */
    public static MemoryTier load(String idOrPath) {
        SpecSources.Doc doc = SpecSources.read("tiers", "memory tier", idOrPath);
        ObjectNode tree = SpecSources.resolve("tiers", "memory tier", doc);
        List<SpecProblem> problems = new ArrayList<>();
        SpecReader r = SpecReader.root(doc.display(), tree, problems);
        String name = r.text("name");
        double cap = positive(r, "capacity_GB");
        double bw = positive(r, "bandwidth_GBps");
        double lat = r.number("latency_us");
        // the host CPU beside this memory, per device (its share), for running cold experts there (--offload-policy cpu)
        java.util.OptionalDouble cpuTflops = r.optNumber("host_cpu_bf16_TFLOPS");
        java.util.OptionalDouble cpuGBps = r.optNumber("host_cpu_memory_GBps");
        if (Double.isFinite(lat) && lat < 0) {
            r.problem("latency_us", "must be >= 0");
        }
        r.finish();
        if (!problems.isEmpty()) {
            throw new SpecException(problems);
        }
        return new MemoryTier(doc.id(), name, cap, bw, lat, cpuTflops, cpuGBps);
    }

    private static double positive(SpecReader r, String key) {
        double v = r.number(key);
        if (Double.isFinite(v) && !(v > 0)) {
            r.problem(key, "must be > 0");
        }
        return v;
    }

    /** A copy with another bandwidth (for what-if questions and tests). */
    public MemoryTier withBandwidth(double gbps) {
        return new MemoryTier(id, name, capacityGB, gbps, latencyUs, hostCpuTflops, hostCpuMemoryGBps);
    }

    /** A copy with another fetch latency. */
    public MemoryTier withLatency(double us) {
        return new MemoryTier(id, name, capacityGB, bandwidthGBps, us, hostCpuTflops, hostCpuMemoryGBps);
    }
}
