package io.moesim.sim.energy;

/** Energy in joules by where it goes. */
public record EnergyBreakdown(double dramJ, double sramJ, double logicJ, double linkJ, double staticJ) {
    public static final EnergyBreakdown ZERO = new EnergyBreakdown(0, 0, 0, 0, 0);

    public double totalJ() {
        return dramJ + sramJ + logicJ + linkJ + staticJ;
    }

    public double dynamicJ() {
        return dramJ + sramJ + logicJ + linkJ;
    }

    public EnergyBreakdown plus(EnergyBreakdown o) {
        return new EnergyBreakdown(dramJ + o.dramJ, sramJ + o.sramJ, logicJ + o.logicJ, linkJ + o.linkJ, staticJ + o.staticJ);
    }

    public EnergyBreakdown withStatic(double j) {
        return new EnergyBreakdown(dramJ, sramJ, logicJ, linkJ, j);
    }
}
