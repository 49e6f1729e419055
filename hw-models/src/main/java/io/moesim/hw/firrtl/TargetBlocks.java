package io.moesim.hw.firrtl;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.DramTiming;
import io.moesim.hw.MemorySpec;
import io.moesim.hw.PimSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * Block parameters taken from a target spec, for {@code moesim export-firrtl}. Datapaths are
 * integer: a 16-bit operand stands for the spec's fp16/bf16 operand width, with a 32-bit accumulator
 * (wider where the bank-bundle dot product needs it).
 */
public final class TargetBlocks {
    /** Operand width standing for fp16/bf16. */
    public static final int DATA_WIDTH = 16;
    /** Sequencer opcodes of the DRAM command ROM. */
    public static final int OP_ACT = 1;
    public static final int OP_RD = 2;
    public static final int OP_PRE = 3;

    private TargetBlocks() {
    }

    /** The block for a name ("mac-array", "pim-gemm", "sequencer") from a device spec. */
    public static BlockParams forBlock(String block, DeviceSpec device) {
        return switch (block) {
            case MacArrayParams.BLOCK -> macArray(device);
            case PimGemmParams.BLOCK -> pimGemm(device);
            case SequencerParams.BLOCK -> sequencer(device);
            default -> throw new FirrtlException("block", "unknown block '" + block + "' (known: " + String.join(", ", FirrtlExport.BLOCKS) + ")");
        };
    }

    /**
     * One engine's matrix unit as an output-stationary array: the primary processor's dense
     * fp16/bf16 MACs per cycle per engine, factored into the most nearly square rows × cols with
     * rows a power of two (H100: 2048 MACs per SM per cycle → 32 × 64).
     */
    public static MacArrayParams macArray(DeviceSpec device) {
        ProcessorSpec p = device.primary();
        int macs = (int) Math.round(macsPerEngine(p));
        int rows = Integer.highestOneBit((int) Math.max(1, Math.floor(Math.sqrt(macs))));
        while (rows > 1 && macs % rows != 0) {
            rows >>= 1;
        }
        int cols = macs / rows;
        if (cols > 256) {
            throw new FirrtlException("mac-array", device.id() + ": " + macs + " MACs per engine do not fit a 256-wide array");
        }
        return new MacArrayParams(rows, cols, DATA_WIDTH, 2 * DATA_WIDTH);
    }

    /**
     * The Logic-PIM GEMM module of a device with PIM: its MACs per module, the bank-bundle access
     * width, and its operand buffer (the spec's buffer per engine).
     */
    public static PimGemmParams pimGemm(DeviceSpec device) {
        ProcessorSpec p = device.pimProcessor()
                .orElseThrow(() -> new FirrtlException("pim-gemm", device.id() + " has no PIM processor (try duplex or logic-pim)"));
        PimSpec pim = p.pim().orElseThrow(() -> new FirrtlException("pim-gemm", device.id() + ": processor " + p.name() + " has no pim section"));
        int macs = (int) Math.round(macsPerEngine(p));
        int bufferBytes = (int) Math.round(p.sram().bufferPerEngineKB()
                .orElseThrow(() -> new FirrtlException("pim-gemm", device.id() + ": processor " + p.name() + " gives no buffer_per_engine_KB")) * 1024);
        int w = pim.bitsPerBundleAccess() / DATA_WIDTH;
        int acc = Math.max(2 * DATA_WIDTH, 2 * DATA_WIDTH + Exprs.log2Ceil(w) + 8);
        return PimGemmParams.fromFigures(macs, pim.bitsPerBundleAccess(), DATA_WIDTH, bufferBytes, acc);
    }

    /**
     * A sequencer whose ROM streams one DRAM row through a bank bundle: ACT, then one RD per
     * bundle access of the row at tCCD_L, then PRE after tRTP, each spaced by whole cycles of the
     * processor's clock (PIM clock where there is one) so that no JEDEC constraint is violated.
     * Fields: bundle, row, column.
     */
    public static SequencerParams sequencer(DeviceSpec device) {
        ProcessorSpec p = device.pimProcessor().orElse(device.primary());
        MemorySpec m = device.memory();
        DramTiming t = m.timing();
        double clockNs = 1000.0 / p.clockMHz();
        int bitsPerAccess = p.pim().map(PimSpec::bitsPerBundleAccess).orElse(m.accessBytes() * 8);
        int banksPerAccess = p.pim().map(PimSpec::banksPerBundle).orElse(1);
        // a bundle access reads bitsPerAccess/banks bits from each bank of the bundle's open rows
        int reads = (int) Math.max(1, (long) m.pageSizeB() * 8 * banksPerAccess / bitsPerAccess);
        List<Command> rom = new ArrayList<>();
        rom.add(new Command(OP_ACT, List.of(0L, 0L, 0L), waitFor(t.tRCDns(), clockNs)));
        for (int c = 0; c < reads; c++) {
            int wait = c == reads - 1 ? waitFor(Math.max(t.tRTPns(), t.tCCDLns()), clockNs) : waitFor(t.tCCDLns(), clockNs);
            rom.add(new Command(OP_RD, List.of(0L, 0L, (long) c), wait));
        }
        rom.add(new Command(OP_PRE, List.of(0L, 0L, 0L), waitFor(t.tRPns(), clockNs)));
        int fieldWidth = Math.max(8, 32 - Integer.numberOfLeadingZeros(reads));
        return new SequencerParams(rom, 2, 3, fieldWidth);
    }

    /** Extra cycles after a command's issue cycle so the next command comes at least {@code ns} later. */
    static int waitFor(double ns, double clockNs) {
        return Math.max(0, (int) Math.ceil(ns / clockNs - 1e-9) - 1);
    }

    private static double macsPerEngine(ProcessorSpec p) {
        Double m = p.macsPerCycle().get(DType.FP16);
        if (m == null) {
            m = p.macsPerCycle().get(DType.BF16);
        }
        if (m == null) {
            throw new FirrtlException("mac-array", "processor " + p.name() + " has no fp16/bf16 MAC figure");
        }
        return m;
    }
}
