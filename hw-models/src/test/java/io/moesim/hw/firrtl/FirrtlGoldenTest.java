package io.moesim.hw.firrtl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte-for-byte comparison of each block's FIRRTL with a reviewed golden file.
 * {@code -Dgolden.update=true} rewrites the files instead; review the diff before committing.
 */
class FirrtlGoldenTest {

    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden", "firrtl");

    static Stream<Arguments> blocks() {
        return Stream.of(
                Arguments.of("mac-array-2x2.fir", Blocks.smallMacArray()),
                Arguments.of("pim-gemm-2x4.fir", Blocks.smallPimGemm()),
                Arguments.of("sequencer-3.fir", Blocks.smallSequencer()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blocks")
    void matchesGolden(String file, BlockParams params) throws IOException {
        String text = FirrtlExport.generate(params.block(), params);
        Path golden = GOLDEN.resolve(file);
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(golden, text, StandardCharsets.UTF_8);
            return;
        }
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), text,
                "FIRRTL of " + file + " changed; run with -Dgolden.update=true and review the diff");
    }

    @ParameterizedTest(name = "{0} is deterministic")
    @MethodSource("blocks")
    void sameInputSameBytes(String file, BlockParams params) {
        assertEquals(FirrtlExport.generate(params), FirrtlExport.generate(params));
    }
}
