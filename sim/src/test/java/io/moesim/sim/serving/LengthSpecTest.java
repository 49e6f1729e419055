package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.MoesimException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Length distributions: the log-normal keeps the nominal as its mean and SPREAD x nominal as its standard deviation. */
class LengthSpecTest {
    /**
     * 400,000 values (two per draw) around 1000 at spread 0.45: the sample mean within 0.5% of 1000 and the sample standard
     * deviation within 2% of 450 (the standard error of the mean is 450 / sqrt(400000) = 0.71, far inside). The median is below the mean, as a
     * right-skewed distribution's is: exp(mu) = 1000 / sqrt(1 + 0.45^2) = 912.
     */
    @Test
    void theLogNormalKeepsTheMeanAndGivesTheSpread() {
        LengthSpec spec = LengthSpec.parse("lognormal:0.45");
        assertEquals(new LengthSpec.LogNormal(0.45), spec);
        SplittableRandom rnd = new SplittableRandom(7);
        int n = 200_000;
        double sum = 0;
        double sq = 0;
        int below = 0;
        for (int i = 0; i < n; i++) {
            int[] d = spec.draw(i, 1000, 1000, rnd);
            for (int v : d) {
                sum += v;
                sq += (double) v * v;
                below += v < 912 ? 1 : 0;
            }
        }
        double mean = sum / (2.0 * n);
        double sd = Math.sqrt(sq / (2.0 * n) - mean * mean);
        assertEquals(1000, mean, 5);
        assertEquals(450, sd, 9);
        assertEquals(0.5, below / (2.0 * n), 0.01, "half the draws under the median exp(mu)");
    }

    @Test
    void spreadZeroIsTheNominalAndBadSpreadsAreRefused() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 100; i++) {
            int[] d = LengthSpec.parse("lognormal:0").draw(i, 202, 214, rnd);
            assertEquals(202, d[0]);
            assertEquals(214, d[1]);
        }
        MoesimException e = assertThrows(MoesimException.class, () -> LengthSpec.parse("lognormal:wide"));
        assertEquals("'lognormal:wide': expected lognormal:SPREAD with SPREAD >= 0 a fraction of the nominal length", e.getMessage());
        for (String bad : new String[] {"lognormal:-0.1", "lognormal:NaN", "lognormal:Infinity"}) {
            e = assertThrows(MoesimException.class, () -> LengthSpec.parse(bad), bad);
            assertTrue(e.getMessage().contains("expected lognormal:SPREAD"), e.getMessage());
        }
        assertEquals("lognormal:0.45", new LengthSpec.LogNormal(0.45).toString());
    }

    /** A bad line of a lengths file is an input error naming the file and line, not a simulation error at some time. */
    @Test
    void aBadLengthsLineNamesItsFileAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("lengths.txt");
        Files.writeString(f, "# in out\n100 20\nabc 5\n");
        MoesimException e = assertThrows(MoesimException.class, () -> LengthSpec.parse(f.toString()));
        assertEquals(f + ":3: expected a length >= 1, got 'abc'", e.getMessage());
        Files.writeString(f, "100 20 1\n50 10\n");
        e = assertThrows(MoesimException.class, () -> LengthSpec.parse(f.toString()));
        assertEquals(f + ":2: every line needs the same columns: 'L_in L_out' or 'L_in L_out WEIGHT'", e.getMessage());
    }
}
