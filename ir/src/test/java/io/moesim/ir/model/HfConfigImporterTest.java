package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class HfConfigImporterTest {
    private static final Path DIR = Path.of("src/test/resources/hf");

    @ParameterizedTest
    @CsvSource({"mixtral-8x7b.json, Mixtral-8x7B", "qwen3-30b-a3b.json, Qwen3-30B-A3B", "qwen2-57b-a14b.json, Qwen2-57B-A14B",
        "deepseek-v3.json, DeepSeek-V3", "dbrx.json, DBRX", "olmoe-1b-7b.json, OLMoE-1B-7B", "gpt-oss-120b.json, GPT-OSS-120B",
        "llama-3-70b.json, Llama-3-70B"})
    void importEqualsPreset(String file, String preset) {
        ModelConfig imported = HfConfigImporter.load(DIR.resolve(file));
        ModelConfig expected = ModelZoo.get(preset);
        assertEquals(expected, imported.withName(expected.name()));
        assertEquals(ModelStats.of(expected), ModelStats.of(imported));
    }

    @Test
    void missingKeyNamesFileKeyAndArchitecture() {
        Path p = DIR.resolve("missing-experts.json");
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(p));
        assertEquals(p + ": missing key 'num_local_experts' (MixtralForCausalLM)", e.getMessage());
    }

    @Test
    void unsupportedArchitectureListsSupported() {
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(DIR.resolve("unsupported.json")));
        assertTrue(e.getMessage().contains("unsupported architecture 'GPT2LMHeadModel'"), e.getMessage());
        assertTrue(e.getMessage().contains("DbrxForCausalLM"), e.getMessage());
    }

    @Test
    void malformedJsonGivesFileAndLine() {
        Path p = DIR.resolve("malformed.json");
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(p));
        assertTrue(e.getMessage().startsWith(p + ":4: malformed JSON"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }

    @Test
    void missingFile() {
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(DIR.resolve("nope.json")));
        assertTrue(e.getMessage().endsWith("nope.json: no such file"), e.getMessage());
    }
}
