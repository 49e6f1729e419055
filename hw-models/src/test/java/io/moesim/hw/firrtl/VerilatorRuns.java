package io.moesim.hw.firrtl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Test support, shared with the simulator's tests through hw-models' test-jar: the MAC-array and
 * Logic-PIM GEMM blocks' FIRRTL export through the real tools (firtool to SystemVerilog, Verilator
 * to a C++ model driven by a testbench written here), on random signed operands, measuring the
 * cycle count and checking the results against an independent Java reference GEMM.
 *
 * <p>One Verilator build per block configuration and JVM: the testbench reads M, N, K and the
 * operands from a file at run time, so further shapes on the same configuration only run the
 * binary. A call skips the calling test (JUnit assumption, with a printed reason) where firtool,
 * Verilator, make or g++ is missing.
 */
public final class VerilatorRuns {

    private VerilatorRuns() {}

    /**
     * What one run measured.
     *
     * @param cycles     clocks from the first start cycle to the (last) done cycle, both counted
     * @param loadCycles clocks spent writing the activation buffer before start (PIM GEMM only; 0 otherwise)
     * @param stalls     RUN clocks without a weight chunk (PIM GEMM with stalls only)
     * @param results    reported outputs, "row col" to value (MAC array: C[m][n]; PIM GEMM: y[n][token])
     * @param expected   the reference GEMM, wrapped to accWidth bits like the hardware
     * @param output     the testbench's output
     */
    public record Measured(long cycles, long loadCycles, long stalls, Map<String, Long> results, long[][] expected,
            String output) {

        /** Whether exactly one result per output element was reported and every one equals the reference. */
        public boolean outputsMatch() {
            return firstMismatch() == null;
        }

        /** A description of the first difference from the reference, or null if none. */
        public String firstMismatch() {
            int count = expected.length * expected[0].length;
            if (results.size() != count) {
                return results.size() + " results reported, " + count + " expected";
            }
            for (int i = 0; i < expected.length; i++) {
                for (int j = 0; j < expected[0].length; j++) {
                    Long got = results.get(i + " " + j);
                    if (got == null || got != expected[i][j]) {
                        return "[" + i + "][" + j + "] = " + got + ", reference " + expected[i][j];
                    }
                }
            }
            return null;
        }
    }

    private static final Map<Object, Path> BUILT = new HashMap<>();
    private static Path firtool;

    /** Skips the calling test unless firtool, verilator, make and a C++ compiler all run; returns firtool. */
    public static synchronized Path requireTools() {
        if (firtool == null) {
            firtool = HwToolchain.requireTools();
        }
        return firtool;
    }

    // ---------------------------------------------------------------- MAC array

    /**
     * {@code C (M×N) = A (M×K) · B (K×N)} on the MAC array as {@code ceil(M/R)·ceil(N/C)} tiles
     * issued back to back (start held high), operands uniform over the signed dataWidth range
     * from {@code new Random(seed)} (A, then B).
     */
    public static Measured macArray(MacArrayParams p, int m, int n, int k, long seed) throws IOException, InterruptedException {
        Random rnd = new Random(seed);
        long[][] a = randomMatrix(rnd, m, k, p.dataWidth());
        long[][] b = randomMatrix(rnd, k, n, p.dataWidth());
        Path sim = build(p, "mac-array-" + p.rows() + "x" + p.cols() + "-d" + p.dataWidth() + "-acc" + p.accWidth(),
                MacArrayGenerator.TOP, () -> macArrayTestbench(p));
        String out = runWithInput(sim, m + " " + n + " " + k + "\n" + values(a) + values(b), List.of());
        return new Measured(value(out, "CYCLES"), 0, 0, tagged(out, "C", 3), referenceGemm(a, b, p.accWidth()), out);
    }

    private static String macArrayTestbench(MacArrayParams p) {
        int rows = p.rows();
        int cols = p.cols();
        return PRELUDE.replace("TOP", "VMacArray") + """
                static const int R = @R@, C = @C@, DW = @DW@, AW = @AW@;
                int main(int argc, char** argv) {
                  int M, N, K;
                  FILE* in = fopen(argv[1], "r");
                  if (!in || fscanf(in, "%d %d %d", &M, &N, &K) != 3) return 2;
                  std::vector<long long> A((size_t) M * K), B((size_t) K * N);
                  for (auto& v : A) if (fscanf(in, "%lld", &v) != 1) return 2;
                  for (auto& v : B) if (fscanf(in, "%lld", &v) != 1) return 2;
                  fclose(in);
                  auto a = [&](int r, int kk) -> long long { return r < M && kk < K ? A[(size_t) r * K + kk] : 0; };
                  auto b = [&](int kk, int c) -> long long { return c < N && kk < K ? B[(size_t) kk * N + c] : 0; };
                  VerilatedContext* ctx = new VerilatedContext;
                  VMacArray* top = new VMacArray{ctx};
                  auto tick = [&] { top->clock = 1; top->eval(); top->clock = 0; top->eval(); };
                  top->clock = 0; top->start = 0; top->k = K; top->reset = 1;
                  for (int i = 0; i < 3; i++) tick();
                  top->reset = 0;
                  const int TR = (M + R - 1) / R, TC = (N + C - 1) / C, T = TR * TC;
                  int tile = 0, kidx = 0;
                  long long cycles = 0;
                  while (cycles < 100000000LL) {
                    int tr = tile / TC, tc = tile % TC;
                    top->start = 1;  // held: each tile starts in the previous tile's done cycle
                @IN@
                    top->eval();
                    cycles++;
                    if (top->in_ready) kidx++;
                    if (top->out_valid) {
                      int r = tr * R + top->out_idx;
                @OUT@
                    }
                    if (top->done && ++tile == T) break;
                    if (top->done) kidx = 0;
                    tick();
                  }
                  printf("CYCLES %lld\\n", cycles);
                  top->final();
                  delete top;
                  delete ctx;
                  return 0;
                }
                """.replace("@R@", Integer.toString(rows)).replace("@C@", Integer.toString(cols))
                .replace("@DW@", Integer.toString(p.dataWidth())).replace("@AW@", Integer.toString(p.accWidth()))
                .replace("@IN@", lines(rows, i -> "    top->a_in_" + i + " = u(a(tr * R + " + i + ", kidx), DW);")
                        + "\n" + lines(cols, j -> "    top->b_in_" + j + " = u(b(kidx, tc * C + " + j + "), DW);"))
                .replace("@OUT@", lines(cols, j -> "      if (r < M && tc * C + " + j + " < N) printf(\"C %d %d %lld\\n\", r, tc * C + "
                        + j + ", s(top->out_row_" + j + ", AW));"));
    }

    // ---------------------------------------------------------------- Logic-PIM GEMM

    /**
     * One call of the Logic-PIM GEMM block, {@code y (N×M) = W (N×K) · x (K×M)}: the M tokens'
     * activations loaded one chunk per clock (token-major x from {@code new Random(seed)}, then W),
     * then start and the weight stream, a chunk offered every clock, or (with {@code stalls}) in
     * all but every fourth clock. The M tokens must fit the activation buffer.
     */
    public static Measured pimGemm(PimGemmParams p, int m, int n, int k, long seed, boolean stalls)
            throws IOException, InterruptedException {
        PimGemmGenerator.checkFits(p, m, n, k);
        Random rnd = new Random(seed);
        long[][] x = randomMatrix(rnd, m, k, p.dataWidth()); // token-major: x[m][k]
        long[][] wt = randomMatrix(rnd, n, k, p.dataWidth());
        Path sim = build(p, "pim-gemm-l" + p.lanes() + "-b" + p.bundleBits() + "-d" + p.dataWidth() + "-acc"
                + p.accWidth() + "-e" + p.bufferEntries(), PimGemmGenerator.TOP, () -> pimGemmTestbench(p));
        String out = runWithInput(sim, m + " " + n + " " + k + "\n" + values(x) + values(wt),
                List.of(stalls ? "stall" : "steady"));
        // y[n][t] = sum_k W[n][k] * x[t][k]: the reference GEMM of W with x transposed.
        return new Measured(value(out, "CYCLES"), value(out, "LOAD"), value(out, "STALLS"), tagged(out, "Y", 3),
                referenceGemm(wt, transpose(x), p.accWidth()), out);
    }

    private static String pimGemmTestbench(PimGemmParams p) {
        int w = p.weightsPerStep();
        return PRELUDE.replace("TOP", "VPimGemm") + """
                static const int L = @L@, W = @WN@, DW = @DW@, AW = @AW@;
                int main(int argc, char** argv) {
                  int M, N, K;
                  FILE* in = fopen(argv[1], "r");
                  if (!in || fscanf(in, "%d %d %d", &M, &N, &K) != 3) return 2;
                  std::vector<long long> X((size_t) M * K), WT((size_t) N * K);
                  for (auto& v : X) if (fscanf(in, "%lld", &v) != 1) return 2;
                  for (auto& v : WT) if (fscanf(in, "%lld", &v) != 1) return 2;
                  fclose(in);
                  const int KC = (K + W - 1) / W;
                  auto x = [&](int t, int kk) -> long long { return kk < K ? X[(size_t) t * K + kk] : 0; };
                  auto wt = [&](int r, int kk) -> long long { return kk < K ? WT[(size_t) r * K + kk] : 0; };
                  bool stall = argc > 2 && std::string(argv[2]) == "stall";
                  VerilatedContext* ctx = new VerilatedContext;
                  VPimGemm* top = new VPimGemm{ctx};
                  auto tick = [&] { top->clock = 1; top->eval(); top->clock = 0; top->eval(); };
                  top->clock = 0; top->start = 0; top->act_wen = 0; top->w_valid = 0; top->reset = 1;
                  for (int i = 0; i < 3; i++) tick();
                  top->reset = 0;
                  long long load = 0;
                  for (int t = 0; t < M; t++) {
                    for (int c = 0; c < KC; c++) {
                      top->act_wen = 1;
                      top->act_lane = t % L;
                      top->act_slot = (t / L) * KC + c;
                @ACT@
                      tick();
                      load++;
                    }
                  }
                  top->act_wen = 0;
                  top->n_rows = N; top->k_chunks = KC; top->m_tokens = M;
                  long long cycles = 0, stalls = 0, pos = 0;
                  while (cycles < 100000000LL) {
                    top->start = cycles == 0;
                    bool valid = !(stall && cycles % 4 == 2);
                    int r = (pos / KC) % N, c = pos % KC;
                    top->w_valid = valid;
                @WDATA@
                    top->eval();
                    cycles++;
                    if (top->w_ready && !valid) stalls++;
                    if (top->w_ready && valid) pos++;
                    if (top->out_valid) {
                @OUT@
                    }
                    if (top->done) break;
                    tick();
                  }
                  printf("LOAD %lld\\nCYCLES %lld\\nSTALLS %lld\\n", load, cycles, stalls);
                  top->final();
                  delete top;
                  delete ctx;
                  return 0;
                }
                """.replace("@L@", Integer.toString(p.lanes())).replace("@WN@", Integer.toString(w))
                .replace("@DW@", Integer.toString(p.dataWidth())).replace("@AW@", Integer.toString(p.accWidth()))
                .replace("@ACT@", lines(w, j -> "      top->act_data_" + j + " = u(x(t, c * W + " + j + "), DW);"))
                .replace("@WDATA@", lines(w, j -> "    top->w_data_" + j + " = u(wt(r, c * W + " + j + "), DW);"))
                .replace("@OUT@", lines(p.lanes(), l -> "      if (top->out_token + " + l + " < M) printf(\"Y %d %d %lld\\n\", "
                        + "(int) top->out_row, (int) top->out_token + " + l + ", s(top->out_y_" + l + ", AW));"));
    }

    // ---------------------------------------------------------------- build and run

    /** firtool + Verilator for one block configuration, once per JVM. */
    private static synchronized Path build(BlockParams p, String name, String top,
            java.util.function.Supplier<String> testbench) throws IOException, InterruptedException {
        Path tool = requireTools();
        Path sim = BUILT.get(p);
        if (sim == null) {
            Path dir = HwToolchain.scratch(name);
            long t0 = System.nanoTime();
            sim = HwToolchain.build(tool, dir, top, FirrtlExport.generate(p), testbench.get());
            System.err.printf("%s: firtool+verilator %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
            BUILT.put(p, sim);
        }
        return sim;
    }

    private static String runWithInput(Path sim, String input, List<String> args) throws IOException, InterruptedException {
        Path dir = sim.getParent();
        Path file = Files.createTempFile(dir, "in", ".txt");
        try {
            Files.writeString(file, input, StandardCharsets.UTF_8);
            List<String> cmd = new ArrayList<>(List.of(sim.toString(), file.toString()));
            cmd.addAll(args);
            return HwToolchain.run(dir, 300, cmd);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String values(long[][] m) {
        StringBuilder sb = new StringBuilder();
        for (long[] row : m) {
            for (long v : row) {
                sb.append(v).append(' ');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- helpers (also FirrtlToolFlowTest's)

    static final String PRELUDE = """
            #include <cstdint>
            #include <cstdio>
            #include <string>
            #include <vector>
            #include "verilated.h"
            #include "TOP.h"
            // Two's complement to and from the w-bit port encoding Verilator uses.
            static uint64_t u(long long v, int w) { return w >= 64 ? (uint64_t) v : ((uint64_t) v) & ((1ULL << w) - 1); }
            static long long s(uint64_t v, int w) {
              if (w >= 64) return (long long) v;
              uint64_t m = 1ULL << (w - 1);
              v &= (1ULL << w) - 1;
              return (long long) ((v ^ m) - m);
            }
            """;

    /** The independent reference: exact integer GEMM, then wrapped to accWidth bits like the hardware. */
    public static long[][] referenceGemm(long[][] a, long[][] b, int accWidth) {
        int m = a.length;
        int k = b.length;
        int n = b[0].length;
        long[][] c = new long[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long sum = 0;
                for (int t = 0; t < k; t++) {
                    sum += a[i][t] * b[t][j];
                }
                c[i][j] = accWidth >= 64 ? sum : (sum << (64 - accWidth)) >> (64 - accWidth);
            }
        }
        return c;
    }

    static long[][] transpose(long[][] x) {
        long[][] t = new long[x[0].length][x.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                t[j][i] = x[i][j];
            }
        }
        return t;
    }

    /** Uniform signed values over the full dataWidth range, negatives included. */
    static long[][] randomMatrix(Random rnd, int rows, int cols, int width) {
        long[][] m = new long[rows][cols];
        long lo = -(1L << (width - 1));
        for (long[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = lo + (long) rnd.nextInt(1 << width);
            }
        }
        return m;
    }

    static String lines(int n, java.util.function.IntFunction<String> line) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(line.apply(i));
        }
        return String.join("\n", out);
    }

    /** "TAG a b value" lines as "a b" -> value; a repeated key fails. */
    static Map<String, Long> tagged(String out, String tag, int fields) {
        Map<String, Long> map = new TreeMap<>();
        for (String l : out.lines().toList()) {
            String[] f = l.trim().split(" ");
            if (f[0].equals(tag) && f.length == fields + 1) {
                String key = f[1] + " " + f[2];
                if (map.put(key, Long.parseLong(f[3])) != null) {
                    throw new AssertionError("result " + key + " reported twice\n" + out);
                }
            }
        }
        return map;
    }

    static long value(String out, String tag) {
        return out.lines().filter(l -> l.startsWith(tag + " ")).mapToLong(l -> Long.parseLong(l.substring(tag.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + tag + " line in\n" + out));
    }
}
