package io.moesim.compiler.experts;

/**
 * Expert placement of one MoE layer over the devices of an expert-parallel group, MoETuner-style:
 * minimise the largest per-device token load plus the largest device-pair traffic, that traffic
 * weighted by the pair's link (a pair at half the best bandwidth counts twice), subject to each
 * device holding at most {@code capacity} experts (its memory share).
 *
 * <p>Traffic comes from the previous layer: a token that chose expert i (on device prev[i]) and
 * then expert j moves from prev[i] to j's device. With the previous layer fixed the pair traffic is
 * linear in this layer's placement, so each layer is an exact integer program; layers are solved in
 * order, each given the one before.
 *
 * @param loads          token copies per expert
 * @param previous       device of each expert in the previous layer, or null (first layer)
 * @param transitions    {@code [i][j]} tokens from previous-layer expert i to this layer's expert j, or null
 * @param pairWeight     {@code [d][d']} link weight (best bandwidth ÷ this pair's), or null for all 1
 * @param trafficWeight  how much a token of pair traffic counts against a token of load
 */
public record PlacementProblem(double[] loads, int devices, int capacity, int[] previous, double[][] transitions, double[][] pairWeight,
        double trafficWeight) {

    public PlacementProblem {
        if (devices < 1) {
            throw new IllegalArgumentException("devices must be >= 1");
        }
        if ((long) capacity * devices < loads.length) {
            throw new IllegalArgumentException(loads.length + " experts do not fit " + devices + " devices of " + capacity + " experts each");
        }
        if ((previous == null) != (transitions == null)) {
            throw new IllegalArgumentException("previous placement and transitions go together");
        }
    }

    /** Load balancing only. */
    public static PlacementProblem balance(double[] loads, int devices, int capacity) {
        return new PlacementProblem(loads, devices, capacity, null, null, null, 1.0);
    }

    public int experts() {
        return loads.length;
    }

    public boolean hasTraffic() {
        return previous != null;
    }

    public double weight(int d, int e) {
        return pairWeight == null ? 1.0 : pairWeight[d][e];
    }

    /** {@code [d][j]}: tokens leaving device d (previous layer) for expert j of this layer. */
    public double[][] outflow() {
        double[][] a = new double[devices][experts()];
        if (!hasTraffic()) {
            return a;
        }
        for (int i = 0; i < previous.length; i++) {
            for (int j = 0; j < experts(); j++) {
                a[previous[i]][j] += transitions[i][j];
            }
        }
        return a;
    }

    public double maxLoad(int[] assign) {
        double[] l = new double[devices];
        for (int e = 0; e < assign.length; e++) {
            l[assign[e]] += loads[e];
        }
        double m = 0;
        for (double x : l) {
            m = Math.max(m, x);
        }
        return m;
    }

    /** Largest weighted traffic over ordered device pairs d ≠ d'. */
    public double maxPairTraffic(int[] assign) {
        if (!hasTraffic()) {
            return 0;
        }
        double[][] a = outflow();
        double[][] t = new double[devices][devices];
        for (int d = 0; d < devices; d++) {
            for (int j = 0; j < assign.length; j++) {
                t[d][assign[j]] += a[d][j];
            }
        }
        double m = 0;
        for (int d = 0; d < devices; d++) {
            for (int e = 0; e < devices; e++) {
                if (d != e) {
                    m = Math.max(m, t[d][e] * weight(d, e));
                }
            }
        }
        return m;
    }

    public double objective(int[] assign) {
        return maxLoad(assign) + trafficWeight * maxPairTraffic(assign);
    }

    /** Whether an assignment places every expert within capacity. */
    public boolean feasible(int[] assign) {
        if (assign.length != experts()) {
            return false;
        }
        int[] c = new int[devices];
        for (int d : assign) {
            if (d < 0 || d >= devices || ++c[d] > capacity) {
                return false;
            }
        }
        return true;
    }
}
