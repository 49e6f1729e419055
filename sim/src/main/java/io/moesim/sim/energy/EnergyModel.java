package io.moesim.sim.energy;

import io.moesim.compiler.plan.Task;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.sim.system.CollectiveCost;
import io.moesim.sim.system.PreparedPlan;
import java.util.List;

/**
 * Energy of a plan's execution: DRAM per byte moved (the spec's access energy, less for PIM units
 * that never cross the I/O), SRAM per byte staged, logic per FLOP, link energy per byte sent, and
 * static power of every device over the elapsed time. The dynamic part depends only on the plan, so
 * it is computed once per plan; static energy is charged by the caller for the time that passes.
 */
public final class EnergyModel {
    private final SystemSpec system;
    private final EnergyConstants c;
    // the per-byte energies, resolved once (the spec's figure, else the default): every iteration's dynamic energy uses them
    private final double hbmPjPerByte;
    private final double intraLinkPjPerByte;
    private final double interLinkPjPerByte;

    public EnergyModel(SystemSpec system, EnergyConstants constants) {
        this.system = system;
        this.c = constants;
        this.hbmPjPerByte = 8 * system.device().power().hbmAccessEnergyPjPerBit().orElse(c.hbmPjPerBit());
        this.intraLinkPjPerByte = system.intraNodeLink().energyPjPerByte().orElse(c.intraLinkPjPerByte());
        this.interLinkPjPerByte = system.interNodeLink().map(l -> l.energyPjPerByte().orElse(c.interLinkPjPerByte())).orElse(c.interLinkPjPerByte());
    }

    /** Static power of the whole system, watts. */
    public double staticWatts() {
        DeviceSpec d = system.device();
        double board = d.power().boardPowerW().orElse(c.defaultBoardPowerW());
        return system.devices() * board * c.staticFractionOfBoard();
    }


    /**
     * Dynamic energy of work given as totals rather than a plan's tasks (the wide-EP step model's ranks), at the same
     * per-byte and per-FLOP energies as {@link #dynamic(PreparedPlan)}: {@code dramBytes} moved by the device's
     * non-PIM processors (DRAM and SRAM staging per byte), {@code flops}, and bytes sent over the intra- and inter-node links.
     */
    public EnergyBreakdown dynamic(double dramBytes, double flops, double intraLinkBytes, double interLinkBytes) {
        return new EnergyBreakdown(dramBytes * hbmPjPerByte * 1e-12, dramBytes * c.sramPjPerByte() * 1e-12, flops * c.logicPjPerFlop() * 1e-12,
                (intraLinkBytes * intraLinkPjPerByte + interLinkBytes * interLinkPjPerByte) * 1e-12, 0);
    }

    /** Dynamic energy of one execution of the plan (static = 0). */
    public EnergyBreakdown dynamic(PreparedPlan plan) {
        DeviceSpec d = system.device();
        double intraLink = intraLinkPjPerByte;
        double interLink = interLinkPjPerByte;
        double dram = 0;
        double sram = 0;
        double logic = 0;
        double link = 0;
        List<Task> tasks = plan.plan().tasks();
        for (Task t : tasks) {
            long bytes = t.bytes();
            ProcessorSpec p = d.processors().get(t.processor());
            boolean pim = p != null && p.kind().isPim();
            dram += bytes * hbmPjPerByte * (pim ? c.pimAccessFraction() : 1.0);
            sram += bytes * c.sramPjPerByte();
            logic += t.flops() * c.logicPjPerFlop();
            int inst = plan.instanceOf(t.id());
            if (inst >= 0) {
                CollectiveCost cc = plan.instanceCost(inst);
                link += cc.intraBytesPerDevice() * intraLink + cc.interBytesPerDevice() * interLink;
            }
        }
        return new EnergyBreakdown(dram * 1e-12, sram * 1e-12, logic * 1e-12, link * 1e-12, 0);
    }
}
