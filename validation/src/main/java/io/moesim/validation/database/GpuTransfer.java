package io.moesim.validation.database;

import io.moesim.validation.compare.Median;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How well the move from H100 to H200 is predicted, beside how well either GPU is: each test row scored on both GPUs (same
 * framework and op; the split is by shape, so an H100 test row has its H200 twin wherever both tables hold the op) that takes
 * at least {@link DbProtocol#LARGE_OP_US} on H100 gives a measured time ratio H200 / H100 and the model's ratio under the
 * same H100 fit. An error of the fit that scales both GPUs' times alike cancels in the model's ratio; one that does not
 * (a fixed cost where the time scales with the memory, a share of the HBM where the kernel is bound by its SMs) shows, as
 * does the H200 target's own (its datasheet memory through the DRAM model).
 */
public final class GpuTransfer {
    private GpuTransfer() {
    }

    /** The scenario of each GPU's test rows. */
    static final String FROM = DbProtocol.H100_HELDBACK;
    static final String TO = DbProtocol.H200_FROM_H100;

    /**
     * One kind's pairs.
     *
     * @param pairs         test rows scored on both GPUs, at least {@link DbProtocol#LARGE_OP_US} measured on H100
     * @param measuredRatio the median of measured H200 time / measured H100 time
     * @param modelRatio    the median of predicted H200 time / predicted H100 time
     * @param ratioErrorPct the median over pairs of (model ratio / measured ratio - 1), %: negative where the model expects
     *                      more of H200 than it gives
     */
    public record Ratio(int pairs, double measuredRatio, double modelRatio, double ratioErrorPct) {
    }

    /** Per kind (by name, then "all"), the pairs of the two scenarios' rows; empty when either scenario is missing. */
    public static Map<String, Ratio> byKind(DbProtocol.Report r) {
        DbProtocol.Scenario from = scenario(r, FROM);
        DbProtocol.Scenario to = scenario(r, TO);
        Map<String, Ratio> out = new java.util.LinkedHashMap<>();
        if (from == null || to == null) {
            return out;
        }
        Map<String, DbProtocol.Scored> h100 = new HashMap<>();
        for (DbProtocol.Scored s : from.rows()) {
            h100.put(s.framework() + "\u0000" + s.op(), s);
        }
        Map<String, List<double[]>> by = new TreeMap<>();
        List<double[]> all = new ArrayList<>();
        for (DbProtocol.Scored b : to.rows()) {
            DbProtocol.Scored a = h100.get(b.framework() + "\u0000" + b.op());
            // ops that take time on H100 (a launch-bound op's ratio is its launch's, about 1 on any GPU)
            if (a == null || a.measuredUs() < DbProtocol.LARGE_OP_US || !(a.predictedUs() > 0) || !(b.predictedUs() > 0)) {
                continue;
            }
            double[] p = {b.measuredUs() / a.measuredUs(), b.predictedUs() / a.predictedUs()};
            by.computeIfAbsent(b.kind(), k -> new ArrayList<>()).add(p);
            all.add(p);
        }
        by.forEach((k, ps) -> out.put(k, ratio(ps)));
        if (!all.isEmpty()) {
            out.put("all", ratio(all));
        }
        return out;
    }

    private static Ratio ratio(List<double[]> ps) {
        double[] measured = ps.stream().mapToDouble(p -> p[0]).toArray();
        double[] model = ps.stream().mapToDouble(p -> p[1]).toArray();
        double[] err = ps.stream().mapToDouble(p -> (p[1] / p[0] - 1) * 100).toArray();
        return new Ratio(ps.size(), Median.of(measured), Median.of(model), Median.of(err));
    }

    private static DbProtocol.Scenario scenario(DbProtocol.Report r, String name) {
        return r.scenarios().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }
}
