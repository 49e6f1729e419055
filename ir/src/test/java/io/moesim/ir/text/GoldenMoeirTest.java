package io.moesim.ir.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.ir.graph.Graph;
import io.moesim.ir.testing.HandBuiltGraphs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The printer's output for hand-built graphs, byte for byte. Regenerate with -Dgolden.update=true and review the diff. */
class GoldenMoeirTest {
    private static final Path DIR = Path.of("src", "test", "resources", "golden", "moeir");

    static Stream<Arguments> graphs() {
        return Stream.of(
                Arguments.of("moe_layer", (Supplier<Graph>) HandBuiltGraphs::moeLayer),
                Arguments.of("attention_block", (Supplier<Graph>) HandBuiltGraphs::attentionBlock),
                Arguments.of("repeat_collectives", (Supplier<Graph>) HandBuiltGraphs::repeatWithCollectives),
                Arguments.of("mla_misc", (Supplier<Graph>) HandBuiltGraphs::mlaAndMisc));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("graphs")
    void matchesGolden(String name, Supplier<Graph> graph) throws IOException {
        Graph g = graph.get();
        String text = MoeirPrinter.print(g);
        Path file = DIR.resolve(name + ".moeir");
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(DIR);
            Files.writeString(file, text, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(file, StandardCharsets.UTF_8), text, "golden " + file);
        // and the golden text reads back to the same graph
        assertEquals(g, MoeirParser.parse(text, file.toString()));
    }
}
