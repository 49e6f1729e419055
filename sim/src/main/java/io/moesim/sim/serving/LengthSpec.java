package io.moesim.sim.serving;

import io.moesim.ir.MoesimException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How request lengths (prompt L_in, output L_out) are drawn: {@code fixed}, {@code gaussian:SIGMA}
 * (normal around the nominal with standard deviation SIGMA × nominal, rounded, clamped to ≥ 1;
 * plain {@code gaussian} is SIGMA = 0.1), {@code lognormal:SPREAD} (log-normal with the nominal as its mean and SPREAD × nominal
 * as its standard deviation, rounded, at least 1: a dataset's skewed lengths, whose mean the clamp of a wide gaussian
 * would raise), or a file ({@code file:PATH} or a plain path) of "L_in L_out" lines
 * (used in order, cycled) or of "L_in L_out WEIGHT" lines on every line (a histogram of a dataset's lengths:
 * each request draws a row with probability WEIGHT / ΣWEIGHT from the seeded generator).
 */
public sealed interface LengthSpec permits LengthSpec.Fixed, LengthSpec.Gaussian, LengthSpec.LogNormal, LengthSpec.FromFile {

    /** Lengths of request {@code index}: {in, out}. */
    int[] draw(int index, int nominalIn, int nominalOut, SplittableRandom rnd);

    record Fixed() implements LengthSpec {
        @Override
        public int[] draw(int index, int nominalIn, int nominalOut, SplittableRandom rnd) {
            return new int[] {nominalIn, nominalOut};
        }

        @Override
        public String toString() {
            return "fixed";
        }
    }

    record Gaussian(double relativeSigma) implements LengthSpec {
        public Gaussian {
            if (!(relativeSigma >= 0) || Double.isInfinite(relativeSigma)) {
                throw new IllegalArgumentException("gaussian sigma must be a finite number >= 0, got " + relativeSigma);
            }
        }

        @Override
        public int[] draw(int index, int nominalIn, int nominalOut, SplittableRandom rnd) {
            return new int[] {sample(nominalIn, rnd), sample(nominalOut, rnd)};
        }

        private int sample(int nominal, SplittableRandom rnd) {
            return length(nominal + relativeSigma * nominal * gaussian(rnd));
        }

        @Override
        public String toString() {
            return "gaussian:" + relativeSigma;
        }
    }

    /**
     * Log-normal lengths: ln L ~ N(mu, s^2) with s^2 = ln(1 + SPREAD^2) and mu = ln(nominal) - s^2 / 2, so that E[L] = nominal
     * and sd[L] = SPREAD × nominal (before rounding).
     */
    record LogNormal(double relativeSpread) implements LengthSpec {
        public LogNormal {
            if (!(relativeSpread >= 0) || Double.isInfinite(relativeSpread)) {
                throw new IllegalArgumentException("lognormal spread must be a finite number >= 0, got " + relativeSpread);
            }
        }

        @Override
        public int[] draw(int index, int nominalIn, int nominalOut, SplittableRandom rnd) {
            return new int[] {sample(nominalIn, rnd), sample(nominalOut, rnd)};
        }

        private int sample(int nominal, SplittableRandom rnd) {
            double s2 = Math.log1p(relativeSpread * relativeSpread);
            return length(Math.exp(Math.log(nominal) - s2 / 2 + Math.sqrt(s2) * gaussian(rnd)));
        }

        @Override
        public String toString() {
            return "lognormal:" + relativeSpread;
        }
    }

    /** @param cumulative running sum of the weights (a histogram), or null to use the rows in order */
    record FromFile(Path file, int[] in, int[] out, double[] cumulative) implements LengthSpec {
        public FromFile(Path file, int[] in, int[] out) {
            this(file, in, out, null);
        }

        public static FromFile read(Path file) {
            List<Rows.Row> rows = Rows.read(file, 2);
            boolean histogram = rows.get(0).cells().length >= 3;
            int[] in = new int[rows.size()];
            int[] out = new int[rows.size()];
            double[] cumulative = histogram ? new double[rows.size()] : null;
            double sum = 0;
            for (int i = 0; i < rows.size(); i++) {
                Rows.Row r = rows.get(i);
                in[i] = r.length(0);
                out[i] = r.length(1);
                if (histogram != r.cells().length >= 3) {
                    throw new MoesimException(file + ":" + r.line() + ": every line needs the same columns: 'L_in L_out' or 'L_in L_out WEIGHT'");
                }
                if (histogram) {
                    sum += r.weight(2);
                    cumulative[i] = sum;
                }
            }
            if (histogram && !(sum > 0)) {
                throw new MoesimException(file + ": the weights sum to 0");
            }
            return new FromFile(file, in, out, cumulative);
        }

        @Override
        public int[] draw(int index, int nominalIn, int nominalOut, SplittableRandom rnd) {
            if (cumulative == null) {
                return new int[] {in[index % in.length], out[index % out.length]};
            }
            double u = rnd.nextDouble() * cumulative[cumulative.length - 1];
            int lo = 0;
            int hi = cumulative.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cumulative[mid] > u) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return new int[] {in[lo], out[lo]};
        }

        @Override
        public String toString() {
            return "file:" + file.getFileName();
        }
    }

    static LengthSpec parse(String spec) {
        return parse(spec, null);
    }

    /** {@link #parse}, a file of lengths ({@code file:PATH} or a plain path) found relative to {@code folder} (null: the working folder). */
    static LengthSpec parse(String spec, Path folder) {
        String s = spec == null ? "fixed" : spec.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("fixed")) {
            return new Fixed();
        }
        if (lower.equals("gaussian")) {
            return new Gaussian(0.1);
        }
        if (lower.startsWith("gaussian:")) {
            try {
                return new Gaussian(Double.parseDouble(s.substring(9)));
            } catch (IllegalArgumentException e) {
                throw new MoesimException("'" + spec + "': expected gaussian:SIGMA with SIGMA >= 0 a fraction of the nominal length");
            }
        }
        if (lower.startsWith("lognormal:")) {
            try {
                return new LogNormal(Double.parseDouble(s.substring(10)));
            } catch (IllegalArgumentException e) {
                throw new MoesimException("'" + spec + "': expected lognormal:SPREAD with SPREAD >= 0 a fraction of the nominal length");
            }
        }
        boolean prefixed = lower.startsWith("file:");
        String name = prefixed ? s.substring(5) : s;
        Path p = folder == null ? Path.of(name) : folder.resolve(name);
        if (Files.isRegularFile(p)) {
            return FromFile.read(p);
        }
        if (prefixed) {
            throw new MoesimException("'" + spec + "': no such file");
        }
        throw new MoesimException("unknown lengths '" + spec + "' (expected fixed, gaussian:SIGMA, lognormal:SPREAD or [file:]FILE of 'L_in L_out [WEIGHT]' lines)");
    }

    /** A drawn length: rounded, at least one token. */
    private static int length(double v) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(v)));
    }

    /** Standard normal by Box–Muller from two uniforms of the seeded generator. */
    private static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
