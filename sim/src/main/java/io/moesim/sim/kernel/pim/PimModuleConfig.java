package io.moesim.sim.kernel.pim;

import io.moesim.hw.MemorySpec;
import io.moesim.hw.PimSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.firrtl.PimGemmParams;
import io.moesim.ir.DType;
import io.moesim.sim.kernel.KernelException;

/**
 * One PIM engine described as the FIRRTL Logic-PIM GEMM module ({@link PimGemmParams}) that
 * matches its spec, plus how DRAM feeds it.
 *
 * <p>The module's "bundle" is what the engine receives per module clock: the bits its
 * pseudo-channel reads per tCCD_L step ({@code bitsPerBundleAccess × bundlesPerPseudoChannel}),
 * divided among the PC's engines and by the module clocks per step, rounded down to whole values.
 * Its lanes are the MACs ÷ that many values. Duplex Logic-PIM: 512 b × 4 bundles per 3.077 ns, one
 * module per PC, 2 clocks at 650 MHz per step → 1024 bits = 64 fp16 weights per clock, 8 lanes:
 * each weight serves 8 tokens, the 8 Op/B ridge. Bank-PIM: 256 b per bank per step, one unit per
 * bank, 1 clock at 325 MHz → 16 weights, 16 MACs, 1 lane: Op/B 1.
 *
 * @param engines       engines of the processor (all PIM stacks)
 * @param enginesPerPc  engines sharing one pseudo-channel's stream
 * @param chunksPerStep module bundles delivered per DRAM step
 */
public record PimModuleConfig(PimGemmParams params, int engines, int enginesPerPc, int chunksPerStep, long clockKHz, int slotsPerLane) {

    /** Activation buffer entries per lane when the spec gives no buffer size (an assumption). */
    public static final int DEFAULT_SLOTS_PER_LANE = 8;

    public static PimModuleConfig of(ProcessorSpec p, MemorySpec m, DType dtype) {
        PimSpec pim = p.pim().orElseThrow(() -> new KernelException(p.name() + " is not a PIM processor"));
        Double macsD = p.macsPerCycle().get(dtype);
        if (macsD == null) {
            macsD = p.macsPerCycle().getOrDefault(DType.FP16, p.macsPerCycle().values().stream().findFirst().orElse(0.0));
        }
        int macs = (int) Math.round(macsD);
        if (macs <= 0) {
            throw new KernelException(p.name() + " has no MACs");
        }
        int dataWidth = Math.max(2, dtype.bits());
        int pcsPerStack = m.pseudoChannelsPerStack();
        int enginesPerPc = Math.max(1, pim.enginesPerStack() / Math.max(1, pcsPerStack));
        long clockKHz = Math.round(p.clockMHz() * 1000);
        double stepNs = m.timing().tCCDLns();
        long cyclesPerStep = Math.max(1, Math.round(stepNs * p.clockMHz() / 1000.0));
        long bitsPerEngineStep = (long) pim.bitsPerBundleAccess() * pim.bundlesPerPseudoChannel() / enginesPerPc;
        long bits = bitsPerEngineStep / cyclesPerStep / dataWidth * dataWidth;
        bits = Math.max(dataWidth, Math.min(bits, (long) macs * dataWidth));
        int w = (int) (bits / dataWidth);
        int lanes = Math.max(1, macs / w);
        int chunksPerStep = (int) Math.max(1, bitsPerEngineStep / bits);
        int slots = DEFAULT_SLOTS_PER_LANE;
        if (p.sram().bufferPerEngineKB().isPresent()) {
            long bufferBits = Math.round(p.sram().bufferPerEngineKB().getAsDouble() * 1024 * 8);
            slots = (int) Math.max(1, bufferBits / bits / lanes);
        }
        int acc = Math.min(256, 2 * dataWidth + 32 - Integer.numberOfLeadingZeros(Math.max(1, w - 1)) + 8);
        PimGemmParams params = new PimGemmParams(lanes, (int) bits, dataWidth, acc, lanes * slots);
        return new PimModuleConfig(params, p.engines(), enginesPerPc, chunksPerStep, clockKHz, slots);
    }

    /** Start of module clock {@code cycle}, ps. */
    public long cycleStartPs(long cycle) {
        return cycle * 1_000_000_000L / clockKHz;
    }

    /** First module clock starting at or after {@code ps}. */
    public long cycleAtOrAfter(long ps) {
        return (ps * clockKHz + 999_999_999L) / 1_000_000_000L;
    }
}
