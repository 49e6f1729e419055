package io.moesim.hw.firrtl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The generated FIRRTL through the real tools: firtool to SystemVerilog, Verilator to a C++
 * model driven by a testbench written here. Results must equal an independent Java reference and
 * the cycle count must equal the generator's documented formula exactly. Skips (with a printed
 * reason) where firtool or Verilator is missing.
 */
class FirrtlToolFlowTest {

    // ---------------------------------------------------------------- MAC array

    @ParameterizedTest(name = "mac-array {0}x{1} d{2} acc{3}, M={4} N={5} K={6}")
    @CsvSource({"4, 4, 8, 24, 8, 4, 6", "3, 2, 6, 16, 3, 5, 5"})
    void macArrayMatchesReferenceAndFormula(int rows, int cols, int dw, int aw, int m, int n, int k) throws Exception {
        Path firtool = HwToolchain.requireTools();
        MacArrayParams p = new MacArrayParams(rows, cols, dw, aw);
        Random rnd = new Random(1000L * rows + cols);
        long[][] a = randomMatrix(rnd, m, k, dw);
        long[][] b = randomMatrix(rnd, k, n, dw);

        String tb = PRELUDE.replace("TOP", "VMacArray") + """
                static const int R = %d, C = %d, K = %d, M = %d, N = %d, DW = %d, AW = %d;
                static const long long A[M][K] = %s;
                static const long long B[K][N] = %s;
                static long long a(int r, int kk) { return r < M && kk < K ? A[r][kk] : 0; }
                static long long b(int kk, int c) { return c < N && kk < K ? B[kk][c] : 0; }
                int main(int argc, char** argv) {
                  VerilatedContext* ctx = new VerilatedContext;
                  ctx->commandArgs(argc, argv);
                  VMacArray* top = new VMacArray{ctx};
                  auto tick = [&] { top->clock = 1; top->eval(); top->clock = 0; top->eval(); };
                  top->clock = 0; top->start = 0; top->k = K; top->reset = 1;
                  for (int i = 0; i < 3; i++) tick();
                  top->reset = 0;
                  const int TR = (M + R - 1) / R, TC = (N + C - 1) / C, T = TR * TC;
                  int tile = 0, kidx = 0;
                  long long cycles = 0;
                  while (cycles < 1000000) {
                    int tr = tile / TC, tc = tile %% TC;
                    top->start = 1;  // held: each tile starts in the previous tile's done cycle
                %s
                    top->eval();
                    cycles++;
                    if (top->in_ready) kidx++;
                    if (top->out_valid) {
                      int r = tr * R + top->out_idx;
                %s
                    }
                    if (top->done && ++tile == T) break;
                    if (top->done) kidx = 0;
                    tick();
                  }
                  printf("CYCLES %%lld\\n", cycles);
                  top->final();
                  delete top;
                  delete ctx;
                  return 0;
                }
                """.formatted(rows, cols, k, m, n, dw, aw, cArray(a), cArray(b),
                lines(rows, i -> "    top->a_in_" + i + " = u(a(tr * R + " + i + ", kidx), DW);")
                        + "\n" + lines(cols, j -> "    top->b_in_" + j + " = u(b(kidx, tc * C + " + j + "), DW);"),
                lines(cols, j -> "      if (r < M && tc * C + " + j + " < N) printf(\"C %d %d %lld\\n\", r, tc * C + "
                        + j + ", s(top->out_row_" + j + ", AW));"));

        Path dir = HwToolchain.scratch("mac-array-" + rows + "x" + cols);
        long t0 = System.nanoTime();
        Path sim = HwToolchain.build(firtool, dir, MacArrayGenerator.TOP, FirrtlExport.generate(p), tb);
        String out = HwToolchain.run(dir, 120, List.of(sim.toString()));
        System.err.printf("mac-array %dx%d: firtool+verilator+run %.1f s%n", rows, cols, (System.nanoTime() - t0) / 1e9);

        Map<String, Long> got = tagged(out, "C", 3);
        long[][] want = referenceGemm(a, b, aw);
        assertEquals(m * n, got.size(), "one result per output element\n" + out);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(want[i][j], got.get(i + " " + j), "C[" + i + "][" + j + "]");
            }
        }
        assertEquals(MacArrayGenerator.cycles(p, m, n, k), value(out, "CYCLES"), "cycle count vs formula");
    }

    // ---------------------------------------------------------------- Logic-PIM GEMM

    @Test
    void pimGemmMatchesReferenceAndFormula() throws Exception {
        Path firtool = HwToolchain.requireTools();
        PimGemmParams p = new PimGemmParams(4, 64, 8, 32, 32);
        int m = 6;
        int n = 5;
        int k = 20;
        int w = p.weightsPerStep();
        int kc = PimGemmGenerator.chunks(p, k);
        Random rnd = new Random(42);
        long[][] x = randomMatrix(rnd, m, k, p.dataWidth()); // token-major: x[m][k]
        long[][] wt = randomMatrix(rnd, n, k, p.dataWidth());

        String tb = PRELUDE.replace("TOP", "VPimGemm") + """
                static const int L = %d, W = %d, DW = %d, AW = %d, M = %d, N = %d, K = %d, KC = %d;
                static const long long X[M][K] = %s;
                static const long long WT[N][K] = %s;
                static long long x(int t, int kk) { return kk < K ? X[t][kk] : 0; }
                static long long wt(int r, int kk) { return kk < K ? WT[r][kk] : 0; }
                int main(int argc, char** argv) {
                  bool stall = argc > 1 && std::string(argv[1]) == "stall";
                  VerilatedContext* ctx = new VerilatedContext;
                  VMacArrayPlaceholder;
                  auto tick = [&] { top->clock = 1; top->eval(); top->clock = 0; top->eval(); };
                  top->clock = 0; top->start = 0; top->act_wen = 0; top->w_valid = 0; top->reset = 1;
                  for (int i = 0; i < 3; i++) tick();
                  top->reset = 0;
                  long long load = 0;
                  for (int t = 0; t < M; t++) {
                    for (int c = 0; c < KC; c++) {
                      top->act_wen = 1;
                      top->act_lane = t %% L;
                      top->act_slot = (t / L) * KC + c;
                %s
                      tick();
                      load++;
                    }
                  }
                  top->act_wen = 0;
                  top->n_rows = N; top->k_chunks = KC; top->m_tokens = M;
                  long long cycles = 0, stalls = 0, pos = 0;
                  while (cycles < 1000000) {
                    top->start = cycles == 0;
                    bool valid = !(stall && cycles %% 4 == 2);
                    int r = (pos / KC) %% N, c = pos %% KC;
                    top->w_valid = valid;
                %s
                    top->eval();
                    cycles++;
                    if (top->w_ready && !valid) stalls++;
                    if (top->w_ready && valid) pos++;
                    if (top->out_valid) {
                %s
                    }
                    if (top->done) break;
                    tick();
                  }
                  printf("LOAD %%lld\\nCYCLES %%lld\\nSTALLS %%lld\\n", load, cycles, stalls);
                  top->final();
                  delete top;
                  delete ctx;
                  return 0;
                }
                """.replace("VMacArrayPlaceholder", "VPimGemm* top = new VPimGemm{ctx}")
                .formatted(p.lanes(), w, p.dataWidth(), p.accWidth(), m, n, k, kc, cArray(x), cArray(wt),
                        lines(w, j -> "      top->act_data_" + j + " = u(x(t, c * W + " + j + "), DW);"),
                        lines(w, j -> "    top->w_data_" + j + " = u(wt(r, c * W + " + j + "), DW);"),
                        lines(p.lanes(), l -> "      if (top->out_token + " + l + " < M) printf(\"Y %d %d %lld\\n\", "
                                + "(int) top->out_row, (int) top->out_token + " + l + ", s(top->out_y_" + l + ", AW));"));

        Path dir = HwToolchain.scratch("pim-gemm");
        long t0 = System.nanoTime();
        Path sim = HwToolchain.build(firtool, dir, PimGemmGenerator.TOP, FirrtlExport.generate(p), tb);
        System.err.printf("pim-gemm: firtool+verilator %.1f s%n", (System.nanoTime() - t0) / 1e9);

        // y[n][t] = sum_k W[n][k] * x[t][k]: the reference GEMM of W with x transposed.
        long[][] want = referenceGemm(wt, transpose(x), p.accWidth());
        for (String mode : List.of("steady", "stall")) {
            String out = HwToolchain.run(dir, 120, List.of(sim.toString(), mode));
            Map<String, Long> got = tagged(out, "Y", 3);
            assertEquals(n * m, got.size(), mode + ": one result per output element\n" + out);
            for (int r = 0; r < n; r++) {
                for (int t = 0; t < m; t++) {
                    assertEquals(want[r][t], got.get(r + " " + t), mode + ": y[" + r + "][" + t + "]");
                }
            }
            long stalls = value(out, "STALLS");
            assertTrue(mode.equals("stall") ? stalls > 0 : stalls == 0, mode + " stalls " + stalls);
            assertEquals(PimGemmGenerator.cycles(p, m, n, k) + stalls, value(out, "CYCLES"), mode + ": cycles vs formula");
            assertEquals(PimGemmGenerator.loadCycles(p, m, k), value(out, "LOAD"), "load cycles");
        }
    }

    // ---------------------------------------------------------------- sequencer

    @Test
    void sequencerReplaysRomWithFormulaCycles() throws Exception {
        Path firtool = HwToolchain.requireTools();
        Random rnd = new Random(7);
        int[] waits = {0, 3, 1, 0, 2};
        List<Command> rom = new ArrayList<>();
        for (int i = 0; i < waits.length; i++) {
            rom.add(new Command(rnd.nextInt(16), List.of((long) rnd.nextInt(256), (long) rnd.nextInt(256)), waits[i]));
        }
        SequencerParams p = new SequencerParams(rom, 4, 2, 8);
        String tb = PRELUDE.replace("TOP", "VSequencer") + """
                int main(int argc, char** argv) {
                  bool stall = argc > 1 && std::string(argv[1]) == "stall";
                  VerilatedContext* ctx = new VerilatedContext;
                  VSequencer* top = new VSequencer{ctx};
                  auto tick = [&] { top->clock = 1; top->eval(); top->clock = 0; top->eval(); };
                  top->clock = 0; top->start = 0; top->cmd_ready = 0; top->reset = 1;
                  for (int i = 0; i < 3; i++) tick();
                  top->reset = 0;
                  long long cycles = 0, stalls = 0;
                  while (cycles < 100000) {
                    top->start = cycles == 0;
                    bool ready = !(stall && cycles % 3 == 1);
                    top->cmd_ready = ready;
                    top->eval();
                    cycles++;
                    if (top->cmd_valid && !ready) stalls++;
                    if (top->cmd_valid && ready)
                      printf("CMD %d %d %d %d\\n", (int) top->cmd_index, (int) top->cmd_opcode,
                             (int) top->cmd_fields_0, (int) top->cmd_fields_1);
                    if (top->done) break;
                    tick();
                  }
                  printf("CYCLES %lld\\nSTALLS %lld\\n", cycles, stalls);
                  top->final();
                  delete top;
                  delete ctx;
                  return 0;
                }
                """;
        Path dir = HwToolchain.scratch("sequencer");
        long t0 = System.nanoTime();
        Path sim = HwToolchain.build(firtool, dir, SequencerGenerator.TOP, FirrtlExport.generate(p), tb);
        System.err.printf("sequencer: firtool+verilator %.1f s%n", (System.nanoTime() - t0) / 1e9);

        List<String> want = new ArrayList<>();
        for (int i = 0; i < rom.size(); i++) {
            Command c = rom.get(i);
            want.add("CMD " + i + " " + c.opcode() + " " + c.fields().get(0) + " " + c.fields().get(1));
        }
        for (String mode : List.of("steady", "stall")) {
            String out = HwToolchain.run(dir, 60, List.of(sim.toString(), mode));
            List<String> got = out.lines().filter(l -> l.startsWith("CMD ")).collect(Collectors.toList());
            assertEquals(want, got, mode + ": commands in ROM order");
            long stalls = value(out, "STALLS");
            assertTrue(mode.equals("stall") ? stalls > 0 : stalls == 0, mode + " stalls " + stalls);
            assertEquals(SequencerGenerator.cycles(p) + stalls, value(out, "CYCLES"), mode + ": cycles vs formula");
        }
    }

    // ---------------------------------------------------------------- writer output through firtool

    @Test
    void legalisedNamesParseWithFirtool() throws Exception {
        Path firtool = HwToolchain.requireTools();
        FirModule leaf = new FirModule("when", List.of(
                new Port(Port.Direction.INPUT, "node", FirType.uint(4)),
                new Port(Port.Direction.OUTPUT, "1out", FirType.uint(4))),
                List.of(new Stmt.Connect(Exprs.ref("1out"), Exprs.ref("node"))));
        FirModule top = new FirModule("top-level", List.of(
                new Port(Port.Direction.INPUT, "mux", FirType.uint(4)),
                new Port(Port.Direction.OUTPUT, "UInt", FirType.uint(4))), List.of(
                new Stmt.Wire("wire", FirType.uint(4)),
                new Stmt.Wire("wire_", FirType.uint(4)),
                new Stmt.Instance("inst", "when"),
                new Stmt.Connect(Exprs.field(Exprs.ref("inst"), "node"), Exprs.ref("mux")),
                new Stmt.Connect(Exprs.ref("wire"), Exprs.field(Exprs.ref("inst"), "1out")),
                new Stmt.Connect(Exprs.ref("wire_"), Exprs.ref("wire")),
                new Stmt.Connect(Exprs.ref("UInt"), Exprs.ref("wire_"))));
        Path dir = HwToolchain.scratch("names");
        java.nio.file.Files.writeString(dir.resolve("names.fir"),
                FirrtlWriter.write(new Circuit("top-level", List.of(top, leaf))));
        HwToolchain.run(dir, 120, List.of(firtool.toString(), "--disable-all-randomization", "names.fir", "-o", "names.sv"));
        String sv = java.nio.file.Files.readString(dir.resolve("names.sv"));
        assertTrue(sv.contains("module top_level("), sv);
    }

    // ---------------------------------------------------------------- helpers

    private static final String PRELUDE = """
            #include <cstdint>
            #include <cstdio>
            #include <string>
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
    static long[][] referenceGemm(long[][] a, long[][] b, int accWidth) {
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

    private static long[][] transpose(long[][] x) {
        long[][] t = new long[x[0].length][x.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                t[j][i] = x[i][j];
            }
        }
        return t;
    }

    /** Uniform signed values over the full dataWidth range, negatives included. */
    private static long[][] randomMatrix(Random rnd, int rows, int cols, int width) {
        long[][] m = new long[rows][cols];
        long lo = -(1L << (width - 1));
        for (long[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = lo + (long) rnd.nextInt(1 << width);
            }
        }
        return m;
    }

    private static String cArray(long[][] m) {
        StringBuilder sb = new StringBuilder("{");
        for (long[] row : m) {
            sb.append('{');
            for (int j = 0; j < row.length; j++) {
                sb.append(j == 0 ? "" : ", ").append(row[j]).append("LL");
            }
            sb.append("},");
        }
        return sb.append('}').toString();
    }

    private static String lines(int n, java.util.function.IntFunction<String> line) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(line.apply(i));
        }
        return String.join("\n", out);
    }

    /** "TAG a b value" lines as "a b" -> value; a repeated key fails. */
    private static Map<String, Long> tagged(String out, String tag, int fields) {
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

    private static long value(String out, String tag) {
        return out.lines().filter(l -> l.startsWith(tag + " ")).mapToLong(l -> Long.parseLong(l.substring(tag.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + tag + " line in\n" + out));
    }
}
