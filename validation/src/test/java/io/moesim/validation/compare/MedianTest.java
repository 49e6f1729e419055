package io.moesim.validation.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MedianTest {
    @Test
    void theMiddleValueOrTheMeanOfTheTwoMiddleOnes() {
        assertEquals(2.0, Median.of(new double[] {3, 1, 2}), 0);
        assertEquals(2.5, Median.of(new double[] {4, 1, 3, 2}), 0);
        assertEquals(-1.0, Median.of(new double[] {-1}), 0);
        assertTrue(Double.isNaN(Median.of(new double[0])));
    }

    @Test
    void leavesTheCallersArrayAsItWas() {
        double[] x = {3, 1, 2};
        Median.of(x);
        assertArrayEquals(new double[] {3, 1, 2}, x, 0);
    }
}
