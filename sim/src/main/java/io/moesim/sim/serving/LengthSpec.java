package io.moesim.sim.serving;

import io.moesim.sim.SimulationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How request lengths (prompt L_in, output L_out) are drawn: {@code fixed}, {@code gaussian:SIGMA}
 * (normal around the nominal with standard deviation SIGMA × nominal, rounded, clamped to ≥ 1;
 * plain {@code gaussian} is SIGMA = 0.1), or a file of "L_in L_out" lines (used in order, cycled).
 */
public sealed interface LengthSpec permits LengthSpec.Fixed, LengthSpec.Gaussian, LengthSpec.FromFile {

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
            double v = nominal + relativeSigma * nominal * gaussian(rnd);
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(v)));
        }

        @Override
        public String toString() {
            return "gaussian:" + relativeSigma;
        }
    }

    record FromFile(Path file, int[] in, int[] out) implements LengthSpec {
        public static FromFile read(Path file) {
            List<Rows.Row> rows = Rows.read(file, 2);
            int[] in = new int[rows.size()];
            int[] out = new int[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                in[i] = rows.get(i).length(0);
                out[i] = rows.get(i).length(1);
            }
            return new FromFile(file, in, out);
        }

        @Override
        public int[] draw(int index, int nominalIn, int nominalOut, SplittableRandom rnd) {
            return new int[] {in[index % in.length], out[index % out.length]};
        }

        @Override
        public String toString() {
            return "file:" + file.getFileName();
        }
    }

    static LengthSpec parse(String spec) {
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
                throw new SimulationException(0, "lengths", "'" + spec + "': expected gaussian:SIGMA with SIGMA >= 0 a fraction of the nominal length");
            }
        }
        Path p = Path.of(s);
        if (Files.isRegularFile(p)) {
            return FromFile.read(p);
        }
        throw new SimulationException(0, "lengths", "unknown lengths '" + spec + "' (expected fixed, gaussian:SIGMA or a file of 'L_in L_out' lines)");
    }

    /** Standard normal by Box–Muller from two uniforms of the seeded generator. */
    private static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
