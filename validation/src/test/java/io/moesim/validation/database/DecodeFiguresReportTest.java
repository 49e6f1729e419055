package io.moesim.validation.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.FrameworkProfile;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * Decode figures of the kernels' own launch rules (MMHA's multi-block split, FlashAttention-3's walk of the batch) as validate
 * --database writes them: in the JSON, in the YAML, and read back from the YAML.
 */
class DecodeFiguresReportTest {
    private static final FrameworkProfile.ClassFigures DECODE = new FrameworkProfile.ClassFigures(OptionalDouble.of(6.67), OptionalDouble.of(0.654),
            OptionalDouble.of(1.04), OptionalDouble.of(3021.7), OptionalDouble.of(32)).withFallbackGBps(56.6).withFallbackItemNs(1153).withFallbackSplitWaveNs(8454.7);
    private static final FrameworkProfile TRT = new FrameworkProfile("trtllm", "t", Map.of("attention_decode", DECODE), false, Optional.empty());

    @Test
    void theSplitFigureIsWrittenAndReadsBack() throws java.io.IOException {
        assertEquals(8454.7, decodeJson(TRT).get("fallback_split_wave_ns"));
        String yaml = DbReports.yaml(TRT, new DbFit.Result(TRT, Map.of("attention_decode", 139), Map.of()), "test rows");
        assertTrue(yaml.contains("fallback_split_wave_ns: {value: 8454.7") && yaml.contains("multi_block_grid_setup"), yaml);
        FrameworkProfile.ClassFigures back = readBack(yaml);
        assertEquals(OptionalDouble.of(8454.7), back.fallbackSplitWaveNs());
        assertTrue(back.splitsFallback());
        // without the figure nothing is written
        FrameworkProfile plain = new FrameworkProfile("trtllm", "t", Map.of("attention_decode", DECODE.withFallbackSplitWaveNs(0)), false, Optional.empty());
        assertFalse(DbReports.yaml(plain, new DbFit.Result(plain, Map.of("attention_decode", 139), Map.of()), "test rows").contains("fallback_split_wave_ns"));
    }

    @Test
    void theVarlenScanFigureIsWrittenAndReadsBack() throws java.io.IOException {
        FrameworkProfile vllm = new FrameworkProfile("vllm", "v", Map.of("attention_decode", new FrameworkProfile.ClassFigures(OptionalDouble.of(8),
                OptionalDouble.of(0.5), OptionalDouble.of(1)).withVarlenScanStepNs(200)), false, Optional.empty());
        assertEquals(200.0, decodeJson(vllm).get("varlen_scan_step_ns"));
        String yaml = DbReports.yaml(vllm, new DbFit.Result(vllm, Map.of("attention_decode", 200), Map.of()), "test rows");
        assertTrue(yaml.contains("varlen_scan_step_ns: {value: 200") && yaml.contains("VarlenDynamicPersistentTileScheduler"), yaml);
        FrameworkProfile.ClassFigures back = readBack(yaml);
        assertEquals(OptionalDouble.of(200), back.varlenScanStepNs());
        // 512 sequences: ceil(512 / 31) = 17 steps of 200 ns
        assertEquals(3.4e-6, back.varlenScanSeconds(512, 128), 1e-12);
    }

    /** A profile's decode figures as the JSON report writes them. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> decodeJson(FrameworkProfile p) {
        return (Map<String, Object>) ((Map<String, Object>) DbReports.profileMap(p).get("classes")).get("attention_decode");
    }

    /** The decode figures of a written profile, loaded back from a file as a user's --framework file would be. */
    private static FrameworkProfile.ClassFigures readBack(String yaml) throws java.io.IOException {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("profile", ".yaml");
        try {
            java.nio.file.Files.writeString(f, yaml);
            return io.moesim.hw.FrameworkProfiles.load(f.toString()).figures("attention_decode");
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }
}
