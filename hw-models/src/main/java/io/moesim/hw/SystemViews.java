package io.moesim.hw;

import io.moesim.ir.DType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the CLI prints for systems: a deterministic map, a table row and a text description. */
public final class SystemViews {
    private SystemViews() {
    }

    public static List<String> header() {
        return List.of("id", "devices", "nodes", "device", "intra-node link", "GB/s each way", "topology",
                "inter-node link", "capacity GB", "peak bf16/fp16 TFLOP/s");
    }

    public static List<String> row(SystemSpec s) {
        return List.of(s.id(), Integer.toString(s.devices()), Integer.toString(s.nodes()), s.device().id(),
                s.intraNodeLink().id(), TargetViews.fmt(s.intraNodeLink().bandwidthPerDeviceGBps(), 0),
                s.intraNodeTopology().text(), s.interNodeLink().map(LinkSpec::id).orElse("-"),
                TargetViews.fmt(s.totalCapacityGB(), 0), TargetViews.fmt(peak16(s), 1));
    }

    private static double peak16(SystemSpec s) {
        double bf = s.aggregatePeakTflops(DType.BF16);
        return bf > 0 ? bf : s.aggregatePeakTflops(DType.FP16);
    }

    public static Map<String, Object> json(SystemSpec s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("name", s.name());
        m.put("origin", s.origin());
        m.put("devices", s.devices());
        m.put("nodes", s.nodes());
        m.put("devices_per_node", s.devicesPerNode());
        m.put("device", s.device().id());
        m.put("device_kind", s.device().kind());
        m.put("intra_node", link(s.intraNodeLink(), s.intraNodeTopology().text()));
        m.put("intra_node_peer_bandwidth_GBps", TargetViews.r3(s.intraNodePeerBandwidthGBps()));
        s.interNodeLink().ifPresent(l -> m.put("inter_node", link(l, s.interNodeTopology().map(Topology::text).orElse("-"))));
        m.put("host_link", link(s.hostLink(), "point_to_point"));
        m.put("total_capacity_GB", TargetViews.r3(s.totalCapacityGB()));
        Map<DType, Double> agg = new java.util.EnumMap<>(DType.class);
        for (DType t : DType.values()) {
            double v = s.aggregatePeakTflops(t);
            if (v > 0) {
                agg.put(t, v);
            }
        }
        m.put("aggregate_peak_tflops", TargetViews.byDtype(agg));
        m.put("aggregate_hbm_bandwidth_GBps", TargetViews.r3(s.devices() * s.device().memory().hbmBandwidthGBps()));
        return m;
    }

    private static Map<String, Object> link(LinkSpec l, String topology) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("link", l.id());
        m.put("kind", l.kind().text());
        m.put("topology", topology);
        m.put("links_per_device", l.linksPerDevice());
        m.put("bandwidth_per_link_GBps", TargetViews.r3(l.bandwidthPerLinkGBps()));
        m.put("bandwidth_per_device_GBps", TargetViews.r3(l.bandwidthPerDeviceGBps()));
        m.put("latency_ns", TargetViews.r3(l.latencyNs()));
        m.put("per_message_overhead_ns", TargetViews.r3(l.perMessageOverheadNs()));
        l.energyPjPerByte().ifPresent(v -> m.put("energy_pJ_per_byte", TargetViews.r3(v)));
        return m;
    }

    public static String describe(SystemSpec s) {
        StringBuilder b = new StringBuilder();
        b.append(s.id()).append(": ").append(s.name()).append('\n');
        b.append("  from ").append(s.origin()).append('\n');
        b.append("  ").append(s.nodes()).append(" node(s) x ").append(s.devicesPerNode()).append(" x ")
                .append(s.device().id()).append(" (").append(s.device().kind()).append(") = ")
                .append(s.devices()).append(" devices\n");
        b.append("  intra-node: ").append(s.intraNodeLink().name()).append(", ")
                .append(s.intraNodeTopology().text()).append(", ")
                .append(TargetViews.fmt(s.intraNodeLink().bandwidthPerDeviceGBps(), 0))
                .append(" GB/s each way per device, ").append(TargetViews.fmt(s.intraNodePeerBandwidthGBps(), 0))
                .append(" GB/s per peer\n");
        s.interNodeLink().ifPresent(l -> b.append("  inter-node: ").append(l.name()).append(", ")
                .append(TargetViews.fmt(l.bandwidthPerDeviceGBps(), 0)).append(" GB/s each way per device\n"));
        b.append("  host: ").append(s.hostLink().name()).append('\n');
        b.append("  total HBM ").append(TargetViews.fmt(s.totalCapacityGB(), 0)).append(" GB; aggregate peak ")
                .append(TargetViews.fmt(peak16(s), 1)).append(" TFLOP/s (16-bit dense)\n");
        return b.toString();
    }
}
