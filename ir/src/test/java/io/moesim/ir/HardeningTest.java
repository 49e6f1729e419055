package io.moesim.ir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.graph.VerificationException;
import io.moesim.ir.model.HfConfigImporter;
import io.moesim.ir.model.ModelException;
import io.moesim.ir.model.Routing;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.text.MoeirParseException;
import io.moesim.ir.text.MoeirParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15 in the ir module: hostile input ends in one clear error or a result, never a hang or a crash. */
class HardeningTest {
    @TempDir
    Path dir;

    @Test
    void steepZipfFinishesAndPicksTheTopRanks() {
        // zipf:50: rank 2 weighs 2^-50 of rank 1, so each token takes ranks 1..top_k (with probability
        // 1 - 1e-14 per pick); the rejection draw used to spin forever once rank 1 was taken
        for (double s : new double[] {50, 200, 1e6}) {
            long[] c = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> new Routing.Zipf(s).counts(8, 2, 1000, 7));
            long[] sorted = c.clone();
            java.util.Arrays.sort(sorted);
            assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, 1000, 1000}, sorted, "zipf:" + s);
        }
        // many picks among few experts (the scan draw) with every weight but the first underflowed to 0
        long[] c = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> new Routing.Zipf(1e6).counts(8, 8, 10, 1));
        assertArrayEquals(new long[] {10, 10, 10, 10, 10, 10, 10, 10}, c);
    }

    @Test
    void zipfOverHugeTokenCountsFinishes() {
        // 10^10 tokens (a prefill of 100,000 x 100,000) used to draw 2 x 10^10 experts one by one
        long tokens = 10_000_000_000L;
        long[] c = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> new Routing.Zipf(1.2).counts(8, 2, tokens, 1));
        assertEquals(tokens * 2, java.util.Arrays.stream(c).sum());
        for (long x : c) {
            assertTrue(x >= 0 && x <= tokens, java.util.Arrays.toString(c));
        }
        // the steepest skew still gives every token to the two top ranks
        long[] steep = new Routing.Zipf(50).counts(8, 2, tokens, 1);
        long[] sorted = steep.clone();
        java.util.Arrays.sort(sorted);
        assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, tokens, tokens}, sorted);
    }

    @Test
    void zipfStillSumsToTokensTimesTopK() {
        long[] c = new Routing.Zipf(1.2).counts(64, 8, 5000, 3);
        assertEquals(5000L * 8, java.util.Arrays.stream(c).sum());
    }

    private Path hf(String name, String json) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, json);
        return p;
    }

    private static final String MIXTRAL = "{\"architectures\": [\"MixtralForCausalLM\"], \"hidden_size\": 4096, \"intermediate_size\": 14336,"
            + " \"num_attention_heads\": 32, \"num_experts_per_tok\": 2, \"num_hidden_layers\": 32, \"num_key_value_heads\": 8,"
            + " \"num_local_experts\": 8, \"vocab_size\": 32000, \"hidden_act\": \"silu\"";

    private String refused(String json) throws Exception {
        Path p = hf("c.json", json);
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        return e.getMessage();
    }

    @Test
    void hfConfigsOutOfRangeNameTheFileAndKey() throws Exception {
        assertEquals(32, HfConfigImporter.load(hf("ok.json", MIXTRAL + "}")).layers());
        assertTrue(refused(MIXTRAL.replace("\"num_hidden_layers\": 32", "\"num_hidden_layers\": 1000000000") + "}")
                .contains("'num_hidden_layers' must be <= 10000"));
        assertTrue(refused(MIXTRAL.replace("14336", "10000000000000") + "}").contains("'intermediate_size'"));
        assertTrue(refused(MIXTRAL.replace("\"num_attention_heads\": 32", "\"num_attention_heads\": 0") + "}")
                .contains("'num_attention_heads' must be > 0"));
        assertTrue(refused(MIXTRAL.replace("\"num_experts_per_tok\": 2", "\"num_experts_per_tok\": 9") + "}")
                .contains("'num_experts_per_tok' 9 exceeds 'num_local_experts' 8"));
        assertTrue(refused(MIXTRAL.replace("silu", "relu7") + "}").contains("'hidden_act'"));
        assertTrue(refused(MIXTRAL + "} trailing").contains("malformed JSON"));
        assertTrue(refused(MIXTRAL.replace("\"hidden_size\": 4096", "\"hidden_size\": 16") + "}").contains("head would have no width"));
    }

    @Test
    void invalidUtf8NamesTheFileAndByteOffset() throws Exception {
        byte[] good = (MIXTRAL + "}").getBytes(StandardCharsets.UTF_8);
        byte[] bad = java.util.Arrays.copyOf(good, good.length + 2);
        bad[good.length] = (byte) 0xC3; // a lead byte followed by a non-continuation byte
        bad[good.length + 1] = (byte) '!';
        Path p = dir.resolve("bad.json");
        Files.write(p, bad);
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(p));
        assertTrue(e.getMessage().contains("byte offset " + good.length), e.getMessage());
        Path u16 = dir.resolve("u16.json");
        Files.write(u16, (MIXTRAL + "}").getBytes(StandardCharsets.UTF_16));
        assertTrue(assertThrows(ModelException.class, () -> HfConfigImporter.load(u16)).getMessage().contains("UTF-16"));
    }

    private static String nested(int depth, long count) {
        StringBuilder b = new StringBuilder("graph @g(%x: bf16[4,64]) {\n");
        for (int i = 0; i < depth; i++) {
            b.append("%r").append(i).append(" = repeat(%").append(i == 0 ? "x" : "p" + (i - 1)).append(") {count=").append(count)
                    .append("} : bf16[4,64] body(%p").append(i).append(": bf16[4,64]) {\n");
        }
        b.append("%y = add(%p").append(depth - 1).append(", %p").append(depth - 1).append(") : bf16[4,64]\nyield %y\n");
        for (int i = depth - 1; i >= 0; i--) {
            b.append("}\n");
            if (i > 0) {
                b.append("yield %r").append(i).append("\n");
            }
        }
        return b.append("return %r0\n}\n").toString();
    }

    @Test
    void deeplyNestedRepeatsAreAClearError() {
        assertEquals("g", MoeirParser.parse(nested(3, 2), "n.moeir").name());
        MoeirParseException e = assertThrows(MoeirParseException.class, () -> MoeirParser.parse(nested(2000, 2), "n.moeir"));
        assertTrue(e.getMessage().contains("nested more than " + MoeirParser.MAX_DEPTH), e.getMessage());
    }

    @Test
    void countsThatOverflowAreLocatedDiagnostics() {
        // 1000^10 executions of an add of 256 elements: 2.56e32 FLOPs, beyond a long
        VerificationException e = assertThrows(VerificationException.class, () -> MoeirParser.parse(nested(10, 1000), "o.moeir"));
        assertTrue(e.getMessage().contains("o.moeir") && e.getMessage().contains("overflow"), e.getMessage());
        // m = n = k = 4e9: 2mnk = 1.28e29 FLOPs
        MatMul mm = new MatMul(4_000_000_000L, 4_000_000_000L, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 4_000_000_000L, 4_000_000_000L));
        assertThrows(ArithmeticException.class, () -> mm.flops(in));
        assertThrows(ArithmeticException.class, () -> mm.traffic(in));
    }

    @Test
    void elementwiseFamilyFlopsOverflowInsteadOfWrapping() {
        // 2^61 elements: 5 (softmax), 8 (gelu, layernorm) or 2 (combine) FLOPs each exceed 2^63
        List<TensorType> huge = List.of(TensorType.of(DType.BF16, 1L << 31, 1L << 30));
        assertThrows(ArithmeticException.class, () -> new io.moesim.ir.op.Softmax().flops(huge));
        assertThrows(ArithmeticException.class, () -> new io.moesim.ir.op.Elementwise(io.moesim.ir.op.Elementwise.Kind.GELU).flops(huge));
        assertThrows(ArithmeticException.class,
                () -> new io.moesim.ir.op.Norm(io.moesim.ir.op.Norm.Kind.LAYER, 1L << 30, 1e-5, DType.BF16).flops(huge));
        // a shard of 2^62 rows gathered over 4 devices: 2^64 rows
        assertThrows(ArithmeticException.class,
                () -> new io.moesim.ir.op.AllGather(4, 0).inferTypes(List.of(TensorType.of(DType.BF16, 1L << 62, 1))));
        // the same ops at a size that fits agree with the hand count
        List<TensorType> small = List.of(TensorType.of(DType.BF16, 3, 7));
        assertEquals(105, new io.moesim.ir.op.Softmax().flops(small));
        assertEquals(168, new io.moesim.ir.op.Elementwise(io.moesim.ir.op.Elementwise.Kind.GELU).flops(small));
    }
}
