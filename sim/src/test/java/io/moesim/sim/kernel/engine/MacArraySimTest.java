package io.moesim.sim.kernel.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.hw.firrtl.MacArrayGenerator;
import io.moesim.hw.firrtl.MacArrayParams;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The MAC-array cycle model equals the FIRRTL generator's documented cycle formula, exactly. */
class MacArraySimTest {

    @Test
    void equalsFirrtlFormulaOverManyShapes() {
        SplittableRandom rnd = new SplittableRandom(42);
        int checked = 0;
        for (int i = 0; i < 400; i++) {
            int r = 1 << rnd.nextInt(0, 7);
            int c = 1 << rnd.nextInt(0, 7);
            int m = rnd.nextInt(1, 600);
            int n = rnd.nextInt(1, 600);
            int k = rnd.nextInt(1, 5000);
            MacArrayParams p = new MacArrayParams(r, c, 8, 32);
            long formula = MacArrayGenerator.cycles(p, m, n, k);
            assertEquals(formula, MacArraySim.cycles(r, c, m, n, k), () -> r + "x" + c + " " + m + "x" + n + "x" + k);
            if (MacArraySim.tiles(r, c, m, n) * (long) k < 2_000_000) {
                assertEquals(formula, MacArraySim.cyclesStepped(r, c, m, n, k));
                checked++;
            }
        }
        assertEquals(true, checked > 50);
    }

    @Test
    void oneTileIsKPlusTwoRowsPlusCols() {
        MacArrayParams p = new MacArrayParams(32, 64, 16, 48);
        assertEquals(MacArrayGenerator.tileCycles(p, 1000), MacArraySim.cyclesStepped(32, 64, 32, 64, 1000));
    }

    @Test
    void shapeKeepsTheMacs() {
        int[] s = MacArraySim.shapeFor(2048);
        assertEquals(2048, s[0] * s[1]);
        assertEquals(32, s[0]);
    }
}
