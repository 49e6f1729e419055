package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.moesim.hw.Systems;
import io.moesim.ir.model.ModelZoo;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * numpy's legacy generator reproduced. Expected values printed by numpy 1.x/2.x (a second implementation):
 * {@code np.random.seed(0); np.random.random_sample(3)}, {@code np.random.seed(0); np.random.exponential(1.0, 500)} (the
 * first five and the sum of the first 499) and {@code np.random.seed(12345); np.random.exponential(1.0, 3)}.
 */
class NumpyLegacyRandomTest {
    @Test
    void drawsWhatNumpyDraws() {
        NumpyLegacyRandom r = new NumpyLegacyRandom(0);
        assertEquals(0.5488135039273248, r.nextDouble(), 0);
        assertEquals(0.7151893663724195, r.nextDouble(), 0);
        assertEquals(0.6027633760716439, r.nextDouble(), 0);
        NumpyLegacyRandom e = new NumpyLegacyRandom(0);
        double[] first = {0.79587451, 1.25593076, 0.92322315, 0.78720115, 0.55104849};
        double sum = 0;
        for (int i = 0; i < 499; i++) {
            double x = e.nextExponential();
            if (i < first.length) {
                assertEquals(first[i], x, 5e-9);
            }
            sum += x;
        }
        assertEquals(503.63251520538455, sum, 1e-9);
        NumpyLegacyRandom s = new NumpyLegacyRandom(12345);
        assertEquals(2.6537906331017487, s.nextExponential(), 1e-15);
        assertEquals(0.380346568552371, s.nextExponential(), 1e-15);
        assertEquals(0.20324143347362159, s.nextExponential(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new NumpyLegacyRandom(-1));
        assertThrows(IllegalArgumentException.class, () -> new NumpyLegacyRandom(1L << 32));
    }

    /**
     * A Poisson run on numpy's gaps arrives as the benchmarks send: request 0 at t = 0, request i after the first i gaps over
     * the rate. At 2 requests/s and seed 0 the second request comes at 0.79587451 / 2 s, the 500th at 503.6325152 / 2 s.
     */
    @Test
    void aPoissonRunOnNumpysGapsArrivesAtTheBenchmarksTimes() {
        ServingConfig cfg = new ServingConfig(new ArrivalSpec.Poisson(2, ArrivalSpec.PoissonGaps.NUMPY), 500, 64, 4, LengthSpec.parse("fixed"), 16,
                2048, 1 << 20, 5, 0);
        List<Sequence> w = new ServingLoop(cfg, null, Systems.load("h100x1"), 0, 1 << 20, ModelZoo.get("Mixtral-8x7B").weightDtype()).workload();
        assertEquals(0, w.get(0).arrivalPs);
        assertEquals(0.79587451 / 2, w.get(1).arrivalPs / 1e12, 1e-8);
        assertEquals(503.63251520538455 / 2, w.get(499).arrivalPs / 1e12, 1e-6);
        ServingConfig own = new ServingConfig(new ArrivalSpec.Poisson(2), 500, 64, 4, LengthSpec.parse("fixed"), 16, 2048, 1 << 20, 5, 0);
        List<Sequence> m = new ServingLoop(own, null, Systems.load("h100x1"), 0, 1 << 20, ModelZoo.get("Mixtral-8x7B").weightDtype()).workload();
        assertEquals(ArrivalSpec.PoissonGaps.MOESIM, new ArrivalSpec.Poisson(2).gaps(), "the default stays moesim's own stream");
        assertEquals(true, m.get(0).arrivalPs > 0, "moesim's own stream: the first request after one gap, as before");
    }

    @Test
    void gapsParseByName() {
        assertEquals(ArrivalSpec.PoissonGaps.NUMPY, ArrivalSpec.PoissonGaps.parse(" NumPy "));
        assertEquals(ArrivalSpec.PoissonGaps.MOESIM, ArrivalSpec.PoissonGaps.parse("moesim"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArrivalSpec.PoissonGaps.parse("scipy"));
        assertEquals("unknown Poisson gaps 'scipy' (expected moesim or numpy)", e.getMessage());
    }
}
