package io.moesim.hw.firrtl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import io.moesim.ir.MoesimException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class BlockParamsTest {

    private static void rejects(String where, Executable build) {
        MoesimException e = assertThrows(MoesimException.class, build);
        assertTrue(e.getMessage().contains(where), "message should name " + where + ": " + e.getMessage());
    }

    @Test
    void macArrayValidation() {
        rejects("mac-array.rows", () -> new MacArrayParams(0, 4, 8, 24));
        rejects("mac-array.cols", () -> new MacArrayParams(4, 300, 8, 24));
        rejects("mac-array.dataWidth", () -> new MacArrayParams(4, 4, 1, 24));
        rejects("mac-array.accWidth", () -> new MacArrayParams(4, 4, 8, 15));
        rejects("mac-array.K", () -> MacArrayGenerator.cycles(new MacArrayParams(2, 2, 8, 16), 2, 2, 0));
    }

    @Test
    void pimGemmValidation() {
        rejects("pim-gemm.bundleBits", () -> new PimGemmParams(4, 60, 8, 32, 16));
        rejects("pim-gemm.accWidth", () -> new PimGemmParams(4, 64, 8, 18, 16));
        rejects("pim-gemm.bufferEntries", () -> new PimGemmParams(4, 64, 8, 32, 18));
        rejects("pim-gemm.bufferEntries", () -> new PimGemmParams(4, 64, 8, 32, 2));
        PimGemmParams p = new PimGemmParams(4, 64, 8, 32, 32);
        rejects("pim-gemm.bufferEntries", () -> PimGemmGenerator.cycles(p, 8, 4, 40)); // 2 passes x 5 chunks > 8
        assertEquals(2L * 4 * 4 + 3, PimGemmGenerator.cycles(p, 8, 4, 32));
    }

    @Test
    void duplexFiguresGiveSixteenLanesOfThirtyTwo() {
        // Duplex Logic-PIM GEMM module: 512 MACs, 512-bit bank bundle, fp16-wide data, 8 KB buffer.
        PimGemmParams p = PimGemmParams.fromFigures(512, 512, 16, 8192, 40);
        assertEquals(16, p.lanes());
        assertEquals(32, p.weightsPerStep());
        assertEquals(128, p.bufferEntries());
        assertEquals(512, p.macs());
        rejects("pim-gemm.macs", () -> PimGemmParams.fromFigures(500, 512, 16, 8192, 40));
    }

    @Test
    void sequencerValidation() {
        Command ok = new Command(1, List.of(2L), 0);
        rejects("sequencer.rom.size", () -> new SequencerParams(List.of(), 4, 1, 8));
        rejects("sequencer.rom[1].opcode", () -> new SequencerParams(List.of(ok, new Command(16, List.of(2L), 0)), 4, 1, 8));
        rejects("sequencer.rom[0].fields", () -> new SequencerParams(List.of(new Command(1, List.of(), 0)), 4, 1, 8));
        rejects("sequencer.rom[0].fields[0]", () -> new SequencerParams(List.of(new Command(1, List.of(256L), 0)), 4, 1, 8));
        rejects("sequencer.rom[0].waitCycles", () -> new SequencerParams(List.of(new Command(1, List.of(1L), -1)), 4, 1, 8));
        assertEquals(2 + (1 + 0) + (1 + 4), SequencerGenerator.cycles(new SequencerParams(
                List.of(ok, new Command(3, List.of(0L), 4)), 4, 1, 8)));
    }

    @Test
    void exportChecksBlockNames() {
        rejects("unknown block", () -> FirrtlExport.generate("tpu", Blocks.smallMacArray()));
        rejects("given parameters of 'mac-array'", () -> FirrtlExport.generate("sequencer", Blocks.smallMacArray()));
        assertTrue(FirrtlExport.generate("pim-gemm", Blocks.smallPimGemm()).startsWith("FIRRTL version 4.0.0\n"));
    }

    @Test
    void macArrayCyclesGrowWithWorkAndAddUpOverTiles() {
        qt().forAll(integers().between(1, 16), integers().between(1, 16), integers().between(1, 64),
                integers().between(1, 100)).checkAssert((r, c, m, k) -> {
                    MacArrayParams p = new MacArrayParams(r, c, 8, 24);
                    long one = MacArrayGenerator.tileCycles(p, k);
                    assertEquals(k + 2L * r + c, one);
                    assertTrue(MacArrayGenerator.cycles(p, m, c, k + 1) > MacArrayGenerator.cycles(p, m, c, k));
                    long tiles = (m + r - 1) / r;
                    assertEquals(1 + tiles * (one - 1), MacArrayGenerator.cycles(p, m, c, k));
                });
    }

    @Test
    void pimCyclesAreStepsPlusPipeline() {
        qt().forAll(integers().between(1, 8), integers().between(1, 64), integers().between(1, 200),
                integers().between(1, 128)).checkAssert((lanes, m, n, k) -> {
                    PimGemmParams p = new PimGemmParams(lanes, 128, 8, 32, lanes * 512);
                    int kc = (k + 15) / 16;
                    int passes = (m + lanes - 1) / lanes;
                    assertEquals((long) passes * n * kc + 3, PimGemmGenerator.cycles(p, m, n, k));
                });
    }
}
