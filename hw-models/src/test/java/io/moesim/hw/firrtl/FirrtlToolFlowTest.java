package io.moesim.hw.firrtl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The generated FIRRTL through the real tools: firtool to SystemVerilog, Verilator to a C++
 * model driven by a testbench written here or in {@link VerilatorRuns}. Results must equal an independent Java reference and
 * the cycle count must equal the generator's documented formula exactly. Skips (with a printed
 * reason) where firtool or Verilator is missing.
 */
@Tag("slow")
class FirrtlToolFlowTest {

    // ---------------------------------------------------------------- MAC array

    @ParameterizedTest(name = "mac-array {0}x{1} d{2} acc{3}, M={4} N={5} K={6}")
    @CsvSource({"4, 4, 8, 24, 8, 4, 6", "3, 2, 6, 16, 3, 5, 5"})
    void macArrayMatchesReferenceAndFormula(int rows, int cols, int dw, int aw, int m, int n, int k) throws Exception {
        MacArrayParams p = new MacArrayParams(rows, cols, dw, aw);
        long t0 = System.nanoTime();
        VerilatorRuns.Measured run = VerilatorRuns.macArray(p, m, n, k, 1000L * rows + cols);
        System.err.printf("mac-array %dx%d: firtool+verilator+run %.1f s%n", rows, cols, (System.nanoTime() - t0) / 1e9);

        Map<String, Long> got = run.results();
        long[][] want = run.expected();
        assertEquals(m * n, got.size(), "one result per output element\n" + run.output());
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(want[i][j], got.get(i + " " + j), "C[" + i + "][" + j + "]");
            }
        }
        assertEquals(MacArrayGenerator.cycles(p, m, n, k), run.cycles(), "cycle count vs formula");
    }

    // ---------------------------------------------------------------- Logic-PIM GEMM

    @Test
    void pimGemmMatchesReferenceAndFormula() throws Exception {
        PimGemmParams p = new PimGemmParams(4, 64, 8, 32, 32);
        int m = 6;
        int n = 5;
        int k = 20;
        for (String mode : List.of("steady", "stall")) {
            VerilatorRuns.Measured run = VerilatorRuns.pimGemm(p, m, n, k, 42, mode.equals("stall"));
            String out = run.output();
            Map<String, Long> got = run.results();
            long[][] want = run.expected();
            assertEquals(n * m, got.size(), mode + ": one result per output element\n" + out);
            for (int r = 0; r < n; r++) {
                for (int t = 0; t < m; t++) {
                    assertEquals(want[r][t], got.get(r + " " + t), mode + ": y[" + r + "][" + t + "]");
                }
            }
            long stalls = run.stalls();
            assertTrue(mode.equals("stall") ? stalls > 0 : stalls == 0, mode + " stalls " + stalls);
            assertEquals(PimGemmGenerator.cycles(p, m, n, k) + stalls, run.cycles(), mode + ": cycles vs formula");
            assertEquals(PimGemmGenerator.loadCycles(p, m, k), run.loadCycles(), "load cycles");
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

    // ---------------------------------------------------------------- helpers (shared with VerilatorRuns)

    private static final String PRELUDE = VerilatorRuns.PRELUDE;

    private static String lines(int n, java.util.function.IntFunction<String> line) {
        return VerilatorRuns.lines(n, line);
    }

    private static long value(String out, String tag) {
        return VerilatorRuns.value(out, tag);
    }
}
