package io.moesim.hw.firrtl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.Targets;
import org.junit.jupiter.api.Test;

class TargetBlocksTest {

    @Test
    void duplexPimGemmMatchesThePaper() {
        // Duplex: 512 fp16 MACs per GEMM module, 512-bit bank-bundle access, 8 KB buffer.
        // 512 bits / 16 = 32 weights per step, so 512 / 32 = 16 lanes; 8 KB * 8 / 512 = 128 entries.
        PimGemmParams p = TargetBlocks.pimGemm(Targets.load("duplex"));
        assertEquals(16, p.lanes());
        assertEquals(32, p.weightsPerStep());
        assertEquals(128, p.bufferEntries());
        assertEquals(512, p.lanes() * p.weightsPerStep());
    }

    @Test
    void h100MacArrayHasOneSmWorthOfMacs() {
        // 989.4 TFLOP/s / (2 * 132 SMs * 1.83 GHz) = 2048 dense MACs per SM per cycle → 32 x 64
        MacArrayParams p = TargetBlocks.macArray(Targets.load("h100"));
        assertEquals(2048, p.rows() * p.cols());
        assertEquals(32, p.rows());
        assertEquals(64, p.cols());
    }

    @Test
    void sequencerRomRespectsTiming() {
        DeviceSpec d = Targets.load("duplex");
        SequencerParams s = TargetBlocks.sequencer(d);
        double clkNs = 1000.0 / d.pimProcessor().orElseThrow().clockMHz();
        var t = d.memory().timing();
        Command act = s.rom().get(0);
        assertEquals(TargetBlocks.OP_ACT, act.opcode());
        // ACT to first RD must be at least tRCD apart: (1 issue + wait) cycles of the PIM clock
        assertTrue((1 + act.waitCycles()) * clkNs >= t.tRCDns() - 1e-9);
        assertTrue(act.waitCycles() * clkNs < t.tRCDns(), "wait is the smallest that satisfies tRCD");
        Command rd = s.rom().get(1);
        assertEquals(TargetBlocks.OP_RD, rd.opcode());
        assertTrue((1 + rd.waitCycles()) * clkNs >= t.tCCDLns() - 1e-9);
        assertEquals(TargetBlocks.OP_PRE, s.rom().get(s.rom().size() - 1).opcode());
        // reads per row: 1 KB page * 8 bits * 8 banks per bundle / 512 bits per access = 128
        assertEquals(128 + 2, s.rom().size());
    }

    @Test
    void pimGemmOnAGpuIsAClearError() {
        FirrtlException e = assertThrows(FirrtlException.class, () -> TargetBlocks.forBlock("pim-gemm", Targets.load("h100")));
        assertTrue(e.getMessage().contains("h100 has no PIM processor"), e.getMessage());
        FirrtlException u = assertThrows(FirrtlException.class, () -> TargetBlocks.forBlock("dsp", Targets.load("h100")));
        assertTrue(u.getMessage().contains("unknown block 'dsp'"), u.getMessage());
    }
}
