package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.firrtl.MacArrayParams;
import io.moesim.hw.firrtl.PimGemmParams;
import io.moesim.hw.firrtl.VerilatorRuns;
import io.moesim.ir.DType;
import io.moesim.sim.kernel.engine.MacArraySim;
import io.moesim.sim.kernel.pim.BundleStream;
import io.moesim.sim.kernel.pim.PimGemmModuleSim;
import io.moesim.sim.kernel.pim.PimModuleConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The simulator's cycle models against the hardware itself: the FIRRTL export of the same block
 * configuration through firtool and Verilator ({@link VerilatorRuns}, hw-models' test-jar), on
 * random signed operands. The simulated cycle count must equal the measured one exactly, and the
 * hardware's outputs must equal a reference GEMM (so the measured run did the work). Skips with a
 * printed reason where firtool, Verilator, make or g++ is missing.
 *
 * <p>One Verilator build per block configuration (two MAC arrays, two Logic-PIM modules); the
 * shapes run on the same build.
 */
@Tag("slow")
class VerilatorCycleMatchTest {

    private static final DeviceSpec BANK_PIM = KernelFixtures.target("bank-pim");
    private static final ProcessorSpec BANK_PIM_PROC = BANK_PIM.pimProcessor().orElseThrow();

    /**
     * MAC arrays of the shapes the simulator gives engines of 8 and 32 MACs
     * ({@link MacArraySim#shapeFor}: 2×4 and 4×8); M×N×K runs of one tile, several tiles (ragged
     * edges included), K = 1.
     */
    @ParameterizedTest(name = "mac-array {0} MACs d{1} acc{2}, M={3} N={4} K={5}")
    @CsvSource({
        "8, 8, 24, 2, 4, 7",
        "8, 8, 24, 5, 9, 6",
        "8, 8, 24, 4, 8, 1",
        "8, 8, 24, 7, 3, 17",
        "8, 8, 24, 1, 1, 3",
        "32, 4, 16, 4, 8, 5",
        "32, 4, 16, 9, 17, 4",
        "32, 4, 16, 16, 8, 12",
        "32, 4, 16, 3, 20, 2",
    })
    void macArraySimulatedCyclesEqualVerilator(int macs, int dw, int aw, int m, int n, int k) throws Exception {
        int[] shape = MacArraySim.shapeFor(macs);
        int r = shape[0];
        int c = shape[1];
        MacArrayParams p = new MacArrayParams(r, c, dw, aw);
        VerilatorRuns.Measured hw = VerilatorRuns.macArray(p, m, n, k, 31L * m + 7L * n + k);
        String what = r + "x" + c + " " + m + "x" + n + "x" + k + " (" + MacArraySim.tiles(r, c, m, n) + " tiles)";
        assertTrue(hw.outputsMatch(), what + ": hardware outputs vs reference GEMM: " + hw.firstMismatch());
        assertEquals(hw.cycles(), MacArraySim.cyclesStepped(r, c, m, n, k), what + ": stepped model vs Verilator");
        assertEquals(hw.cycles(), MacArraySim.cycles(r, c, m, n, k), what + ": phase model vs Verilator");
        System.out.printf("mac-array %s: %d cycles, simulated = measured%n", what, hw.cycles());
    }

    /**
     * Logic-PIM GEMM modules: the one the simulator derives for the bank-pim target's engines
     * ({@link PimModuleConfig#of}: 1 lane, 16 fp16 weights per clock, 8 buffer entries) and a
     * 3-lane module of 6 8-bit weights per clock with 12 entries per lane; calls with several
     * chunks (kc = ceil(K/w)) and several passes (P = ceil(M/lanes)). Each shape runs with a
     * weight chunk every clock (steady) and with one clock in four without (stall).
     */
    @ParameterizedTest(name = "pim-gemm {0}, M={1} N={2} K={3}")
    @CsvSource({
        "bank-pim, 2, 5, 50",
        "bank-pim, 4, 3, 32",
        "bank-pim, 1, 6, 128",
        "bank-pim, 8, 2, 9",
        "3-lane, 7, 5, 20",
        "3-lane, 3, 4, 36",
        "3-lane, 6, 3, 13",
        "3-lane, 12, 2, 6",
        "3-lane, 1, 1, 1",
    })
    void pimGemmSimulatedCyclesEqualVerilator(String config, int m, int n, int k) throws Exception {
        PimGemmParams p = config.equals("bank-pim")
                ? PimModuleConfig.of(BANK_PIM_PROC, BANK_PIM.memory(), DType.FP16).params()
                : new PimGemmParams(3, 48, 8, 24, 36);
        int w = p.weightsPerStep();
        long kc = (k + w - 1) / w;
        long passes = (m + p.lanes() - 1) / p.lanes();
        String what = config + " " + p + " M=" + m + " N=" + n + " K=" + k + " (P=" + passes + ", kc=" + kc + ")";

        VerilatorRuns.Measured steady = VerilatorRuns.pimGemm(p, m, n, k, 17L * m + 5L * n + k, false);
        assertTrue(steady.outputsMatch(), what + ": hardware outputs vs reference GEMM: " + steady.firstMismatch());
        assertEquals(0, steady.stalls());
        // the call's FSM stepped clock by clock
        assertEquals(steady.cycles(), PimGemmModuleSim.callCycles(p, m, n, k), what + ": callCycles vs Verilator");
        // the engine model end to end (activation loads, then the call) with a weight chunk always
        // there: a module clock of 1 ms, so every DRAM arrival is in the past, and one DRAM step
        // carrying every chunk
        PimModuleConfig alwaysReady = new PimModuleConfig(p, 1, 1, Integer.MAX_VALUE, 1, p.slotsPerLane());
        PimGemmModuleSim.Result sim = PimGemmModuleSim.gemm(alwaysReady,
                new BundleStream(BANK_PIM_PROC.pim().orElseThrow(), BANK_PIM.memory()), m, n, k);
        assertEquals(1, sim.calls(), what + ": one module call");
        assertEquals(0, sim.stallCycles(), what + ": no stalls with the supply always ready");
        assertEquals(steady.loadCycles(), sim.loadCycles(), what + ": load clocks vs Verilator");
        assertEquals(steady.loadCycles() + steady.cycles(), sim.cycles(), what + ": gemm cycles vs Verilator");
        assertEquals(passes * n * kc, sim.chunks(), what + ": weight chunks");

        // a clock without a weight chunk costs the simulator exactly one clock, as it does the hardware
        VerilatorRuns.Measured stalled = VerilatorRuns.pimGemm(p, m, n, k, 17L * m + 5L * n + k, true);
        assertTrue(stalled.outputsMatch(), what + " with stalls: hardware outputs vs reference GEMM: " + stalled.firstMismatch());
        assertTrue(stalled.stalls() > 0 || passes * n * kc < 2, what + ": stalls " + stalled.stalls());
        assertEquals(stalled.cycles(), PimGemmModuleSim.callCycles(p, m, n, k) + stalled.stalls(),
                what + " with stalls: callCycles + stall clocks vs Verilator");
        System.out.printf("pim-gemm %s: %d + %d load cycles (%d with %d stalls), simulated = measured%n", what,
                steady.cycles(), steady.loadCycles(), stalled.cycles(), stalled.stalls());
    }
}
