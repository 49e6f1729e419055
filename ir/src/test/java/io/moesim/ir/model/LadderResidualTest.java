package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.moesim.ir.MoesimException;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphStats;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ladder Residual changes which value each module reads, never what is computed: for every zoo
 * model and phase the ladder graph has the same ops of each kind, the same FLOPs and the same
 * bytes as the standard one (counted over the repeat blocks), and yet is a different graph.
 */
class LadderResidualTest {
    static Stream<String> presets() {
        return ModelZoo.names().stream();
    }

    @ParameterizedTest
    @MethodSource("presets")
    void sameOpsFlopsAndBytesAsStandard(String name) {
        ModelConfig m = ModelZoo.get(name);
        ModelConfig l = m.withResidual(Residual.LADDER);
        for (GraphRequest[] r : List.of(new GraphRequest[] {GraphRequest.prefill(m, 2, 128), GraphRequest.prefill(l, 2, 128)},
                new GraphRequest[] {GraphRequest.decode(m, 8, 512), GraphRequest.decode(l, 8, 512)},
                new GraphRequest[] {GraphRequest.mixed(m, 1, 64, 6, 300), GraphRequest.mixed(l, 1, 64, 6, 300)})) {
            Graph s = GraphGenerator.generate(r[0]);
            Graph d = GraphGenerator.generate(r[1]);
            GraphStats a = GraphStats.of(s);
            GraphStats b = GraphStats.of(d);
            String msg = name + " " + r[0].phase();
            assertEquals(a.flops(), b.flops(), msg);
            assertEquals(a.bytes(), b.bytes(), msg);
            assertEquals(a.params(), b.params(), msg);
            assertEquals(a.byKind().size(), b.byKind().size(), msg);
            for (int i = 0; i < a.byKind().size(); i++) {
                GraphStats.KindStats x = a.byKind().get(i);
                GraphStats.KindStats y = b.byKind().get(i);
                assertEquals(x.mnemonic(), y.mnemonic(), msg);
                assertEquals(x.count(), y.count(), msg + " " + x.mnemonic());
                assertEquals(x.flops(), y.flops(), msg + " " + x.mnemonic());
            }
            assertNotEquals(io.moesim.ir.text.MoeirPrinter.print(s), io.moesim.ir.text.MoeirPrinter.print(d), msg + ": the ladder graph must differ (its dependencies do)");
        }
    }

    @org.junit.jupiter.api.Test
    void parseNamesTheFlag() {
        assertEquals(Residual.LADDER, Residual.parse("Ladder"));
        MoesimException e = assertThrows(MoesimException.class, () -> Residual.parse("parallel"));
        assertEquals("--residual: expected standard or ladder, got 'parallel'", e.getMessage());
    }
}
