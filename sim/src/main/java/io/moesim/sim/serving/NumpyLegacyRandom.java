package io.moesim.sim.serving;

/**
 * The exponential draws of numpy's legacy {@code RandomState(seed)} (the global {@code np.random} after
 * {@code np.random.seed(seed)}), reproduced: a Mersenne Twister MT19937 seeded by {@code init_genrand(seed)}, doubles of 53
 * bits from two 32-bit words ({@code genrand_res53}), and {@code -log(1 - u)} for a standard exponential.
 *
 * <p>Why: vLLM's {@code benchmark_serving.py} (2024-25, before its gaps were rescaled to end at N / rate) and SGLang's
 * {@code bench_serving.py} draw the gaps of their Poisson arrivals from that generator, seeded by their {@code --seed}
 * (vLLM's default 0, SGLang's 1): {@code np.random.exponential(1 / rate)}, later {@code np.random.gamma(1, 1 / rate)}, the
 * same draw at shape 1. A run that reproduces their arrival times removes the sampling spread of a 500-request run's span
 * (about 4.5% either way at one seed) from a comparison, where nothing else drew from numpy first (a dataset sampled with
 * numpy, as vLLM's "random" one is, moves the stream). The figures for the online table: docs/serving-validation.md.
 */
public final class NumpyLegacyRandom {
    private static final int N = 624;
    private static final int M = 397;
    private final int[] mt = new int[N];
    private int index = N;

    /** The generator {@code np.random.seed(seed)} leaves (seed a 32-bit unsigned value, as numpy requires). */
    public NumpyLegacyRandom(long seed) {
        if (seed < 0 || seed > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("numpy's legacy seed must be in [0, 2^32 - 1], got " + seed);
        }
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
    }

    /** The next 32-bit word (MT19937 {@code genrand_int32}), as an unsigned value in an int. */
    int nextInt32() {
        if (index >= N) {
            for (int k = 0; k < N; k++) {
                int y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
                mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
            }
            index = 0;
        }
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** A double in [0, 1) of 53 bits, as {@code np.random.random_sample()}. */
    public double nextDouble() {
        long a = (nextInt32() & 0xFFFFFFFFL) >>> 5;
        long b = (nextInt32() & 0xFFFFFFFFL) >>> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** A standard exponential, as {@code np.random.standard_exponential()} (and {@code np.random.gamma(1.0)}). */
    public double nextExponential() {
        return -StrictMath.log(1.0 - nextDouble()); // fdlibm: the same bits on every platform
    }
}
