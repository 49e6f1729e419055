package io.moesim.ir.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphStats;
import io.moesim.ir.graph.Verifier;
import io.moesim.ir.testing.RandomGraphs;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Seeded property: every random valid graph survives print → parse → print exactly. */
@Tag("slow")
class RoundTripPropertyTest {

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void printParseRoundTripIsExact(long seed) {
        Graph g = RandomGraphs.generate(seed);
        assertTrue(Verifier.check(g, n -> "").isEmpty(), "generator made an invalid graph");
        String text = MoeirPrinter.print(g);
        Graph back = MoeirParser.parse(text, "seed" + seed + ".moeir");
        assertEquals(g, back, text);
        assertEquals(text, MoeirPrinter.print(back));
        // equal graphs cost the same
        assertEquals(GraphStats.of(g).traffic(), GraphStats.of(back).traffic());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void freeWhitespaceAndCommentsDoNotChangeTheGraph(long seed) {
        Graph g = RandomGraphs.generate(seed);
        String text = MoeirPrinter.print(g);
        // spread the canonical text out: a comment on every line, blank lines, extra spaces around punctuation
        StringBuilder messy = new StringBuilder("# generated from seed ").append(seed).append("\n\n");
        for (String line : text.split("\n")) {
            messy.append("\t").append(line.replace(",", " ,\t").replace("(", " ( ").replace("=", " = "))
                    .append("   # note\n\n");
        }
        assertEquals(g, MoeirParser.parse(messy.toString(), "messy.moeir"));
    }
}
