package io.moesim.sim.energy;

/**
 * Energy figures the target specs do not (yet) carry. Each default says where it comes from; the
 * ones marked "moesim estimate" are orders of magnitude to be calibrated, not measurements. A
 * figure present in a spec (HBM access energy, link energy, board power) always wins over these.
 *
 * @param hbmPjPerBit          DRAM access energy when the spec gives none
 * @param pimAccessFraction    a PIM unit's DRAM access energy as a fraction of an external access
 * @param sramPjPerByte        on-chip buffer energy per byte staged from DRAM
 * @param logicPjPerFlop       arithmetic energy per FLOP
 * @param intraLinkPjPerByte   intra-node link (NVLink, xGMI) energy when the link spec gives none
 * @param interLinkPjPerByte   inter-node link (InfiniBand) energy when the link spec gives none
 * @param staticFractionOfBoard static (leakage, idle) power as a fraction of board power
 * @param defaultBoardPowerW   board power when the device spec gives none
 */
public record EnergyConstants(double hbmPjPerBit, double pimAccessFraction, double sramPjPerByte, double logicPjPerFlop,
        double intraLinkPjPerByte, double interLinkPjPerByte, double staticFractionOfBoard, double defaultBoardPowerW) {

    /** O'Connor et al., "Fine-Grained DRAM", MICRO 2017: HBM2 about 3.9 pJ/bit (the specs' own figure). */
    public static final double HBM_PJ_PER_BIT = 3.9;
    /** moesim estimate: a logic-die PIM access skips the PHY, interposer wires and host I/O; calibrate. */
    public static final double PIM_ACCESS_FRACTION = 0.6;
    /**
     * Horowitz, "Computing's energy problem", ISSCC 2014: 64-bit read of an 8 KB SRAM about 10 pJ at
     * 45 nm (1.25 pJ/B); scaled by 0.25 to 7 nm (moesim estimate): 0.31 pJ/B.
     */
    public static final double SRAM_PJ_PER_BYTE = 1.25 * 0.25;
    /**
     * Horowitz, ISSCC 2014: fp16 multiply 1.1 pJ + add 0.4 pJ at 45 nm = 0.75 pJ/FLOP; scaled by 0.25
     * to 7 nm (moesim estimate): 0.19 pJ/FLOP.
     */
    public static final double LOGIC_PJ_PER_FLOP = 0.75 * 0.25;
    /** moesim estimate: about 1.3 pJ/bit for an NVLink-class short-reach SerDes link; calibrate. */
    public static final double INTRA_LINK_PJ_PER_BYTE = 10.4;
    /** moesim estimate: NIC, optics and switch hops of an InfiniBand path, about 5 pJ/bit; calibrate. */
    public static final double INTER_LINK_PJ_PER_BYTE = 40.0;
    /** moesim estimate: idle/leakage power about a quarter of board power for a datacenter GPU; calibrate. */
    public static final double STATIC_FRACTION = 0.25;
    /** NVIDIA H100 SXM5 datasheet: up to 700 W; used for xPU devices whose spec gives no board power. */
    public static final double BOARD_POWER_W = 700.0;

    public static EnergyConstants defaults() {
        return new EnergyConstants(HBM_PJ_PER_BIT, PIM_ACCESS_FRACTION, SRAM_PJ_PER_BYTE, LOGIC_PJ_PER_FLOP,
                INTRA_LINK_PJ_PER_BYTE, INTER_LINK_PJ_PER_BYTE, STATIC_FRACTION, BOARD_POWER_W);
    }
}
