package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Repeat;
import io.moesim.ir.op.Split;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GraphGeneratorTest {

    static Stream<String> presets() {
        return ModelZoo.names().stream();
    }

    private static void walk(Block b, Consumer<Node> f) {
        for (Node n : b.nodes()) {
            f.accept(n);
            if (n.hasBody()) {
                walk(n.body(), f);
            }
        }
    }

    private static List<Node> nodesOf(Graph g, Class<? extends Op> type) {
        List<Node> out = new ArrayList<>();
        walk(g.body(), n -> {
            if (type.isInstance(n.op())) {
                out.add(n);
            }
        });
        return out;
    }

    private static List<TensorType> inputs(Node n) {
        List<TensorType> t = new ArrayList<>();
        for (Value v : n.operands()) {
            t.add(v.type());
        }
        return t;
    }

    /** build() runs the verifier, so building is the check. */
    /**
     * The LM head's rows as the engines sample them: a verifier pass samples all k + 1 query rows of each decode (1 prompt + 6 x 3),
     * a chunk of a longer prompt one row per chunk (2), and a decode step every row, so it needs no split.
     */
    @Test
    void theLmHeadRunsOnTheSampledRows() {
        ModelConfig m = ModelZoo.get("Mixtral-8x7B");
        Graph verify = GraphGenerator.generate(GraphRequest.mixed(m, 1, 64, 6, 300).withDecodeQuery(3));
        assertEquals(TensorType.of(m.weightDtype(), 1 + 6 * 3, m.vocab()), verify.outputs().get(0).type());
        Graph chunk = GraphGenerator.generate(GraphRequest.prefill(m, 2, 128).withPrefillContext(512));
        assertEquals(TensorType.of(m.weightDtype(), 2, m.vocab()), chunk.outputs().get(0).type());
        Graph decode = GraphGenerator.generate(GraphRequest.decode(m, 8, 512));
        assertTrue(decode.body().nodes().stream().noneMatch(n -> n.op() instanceof Split), "a decode step samples every row");
        assertEquals(1, chunk.body().nodes().stream().filter(n -> n.op() instanceof Split).count(), "one split at the top: the sampled rows");
    }

    @ParameterizedTest
    @MethodSource("presets")
    void everyPresetBuildsAllPhases(String name) {
        ModelConfig m = ModelZoo.get(name);
        Graph p = GraphGenerator.generate(GraphRequest.prefill(m, 2, 128));
        Graph d = GraphGenerator.generate(GraphRequest.decode(m, 8, 512));
        Graph x = GraphGenerator.generate(GraphRequest.mixed(m, 1, 64, 6, 300).withRouting(new Routing.Zipf(1.1)).withSeed(3));
        // the LM head on the rows a serving engine samples: 2 prompts' last tokens; 8 decodes; 1 prompt + 6 decodes
        long[] sampled = {2, 8, 1 + 6};
        List<Graph> graphs = List.of(p, d, x);
        for (int i = 0; i < graphs.size(); i++) {
            Graph g = graphs.get(i);
            assertEquals(1, g.outputs().size());
            assertEquals(TensorType.of(m.weightDtype(), sampled[i], m.vocab()), g.outputs().get(0).type());
        }
        // mixed: one attention op for the prompts, one for the decodes
        boolean mla = m.attention().mla() != null;
        List<Node> att = nodesOf(x, mla ? MlaAttention.class : Attention.class);
        long distinct = att.stream().map(n -> n.op() instanceof Attention a ? a.isDecode() : ((MlaAttention) n.op()).isDecode()).distinct().count();
        assertEquals(2, distinct, name);
        if (mla) {
            assertTrue(nodesOf(p, MlaAttention.class).stream().noneMatch(n -> ((MlaAttention) n.op()).absorbed()));
            assertTrue(nodesOf(d, MlaAttention.class).stream().allMatch(n -> ((MlaAttention) n.op()).absorbed()));
        }
    }

    @ParameterizedTest
    @MethodSource("presets")
    void nodeCountIndependentOfLayerCount(String name) {
        ModelConfig m = ModelZoo.get(name);
        int n1 = GraphGenerator.generate(GraphRequest.decode(m, 4, 64)).nodeCount();
        int n2 = GraphGenerator.generate(GraphRequest.decode(m.withLayers(m.layers() + 2 * 4 * 3), 4, 64)).nodeCount();
        assertEquals(n1, n2, name);
    }

    @Test
    void repeatBlocksFollowTheLayerPattern() {
        assertEquals(List.of(3, 58), counts(ModelZoo.get("deepseek-v3")));
        assertEquals(List.of(16), counts(ModelZoo.get("glam")));
        assertEquals(2, LayerPlan.of(ModelZoo.get("glam")).runs().get(0).block().size());
        assertEquals(List.of(18), counts(ModelZoo.get("gpt-oss-120b")));
        assertEquals(List.of(32), counts(ModelZoo.get("mixtral")));
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("deepseek-v3"), 1, 8));
        assertEquals(2, nodesOf(g, Repeat.class).size());
    }

    private static List<Integer> counts(ModelConfig m) {
        List<Integer> c = new ArrayList<>();
        for (LayerPlan.Run r : LayerPlan.of(m).runs()) {
            c.add(r.count());
        }
        return c;
    }

    /** Decode attention reads the KV cache once for a whole GQA group: Op/B ~ heads / kv heads. */
    @ParameterizedTest
    @MethodSource("presets")
    void decodeAttentionOpPerByteIsTheGroupSize(String name) {
        ModelConfig m = ModelZoo.get(name);
        if (m.attention().mla() != null) {
            return;
        }
        Graph g = GraphGenerator.generate(GraphRequest.decode(m, 16, 4096));
        for (Node n : nodesOf(g, Attention.class)) {
            Attention a = (Attention) n.op();
            if (a.window() > 0) {
                continue; // a 128-key window makes the q/out bytes comparable to the KV bytes
            }
            double opb = a.opPerByte(inputs(n));
            double group = m.attention().groupSize();
            assertEquals(group, opb, 0.05 * group, name);
        }
    }

    /** Mixtral decode, batch 64, uniform routing: 128 token copies, 16 per expert, all 8 experts read. */
    @Test
    void mixtralDecodeExpertFfnOpPerByteIsLow() {
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("mixtral"), 64, 1024).withDtype(DType.FP16));
        List<Node> ffn = nodesOf(g, ExpertFfn.class);
        assertEquals(1, ffn.size());
        ExpertFfn op = (ExpertFfn) ffn.get(0).op();
        long h = 4096;
        long f = 14336;
        long flops = 2L * 128 * h * f * 3; // 128 copies through three h x f matrices
        long weights = 8L * 3 * h * f * 2; // every expert's weights once, fp16
        long acts = 2L * 128 * h * 2; // the 128 rows read and written, fp16
        double expected = (double) flops / (weights + acts); // ~15.99: 2 FLOPs per weight per token over 2 bytes, x16 tokens
        double opb = op.opPerByte(inputs(ffn.get(0)));
        assertEquals(expected, opb, 1e-9);
        assertEquals(15.99, opb, 0.01);
        assertTrue(opb < 20, "far below an H100's ridge (~300)");
    }

    @Test
    void mixedSplitsAttentionAndKeepsTokenOpsTogether() {
        ModelConfig m = ModelZoo.get("mixtral");
        GraphRequest r = GraphRequest.mixed(m, 2, 100, 30, 500);
        assertEquals(230, r.tokens());
        Graph g = GraphGenerator.generate(r);
        ExpertFfn op = (ExpertFfn) nodesOf(g, ExpertFfn.class).get(0).op();
        assertEquals(230 * 2, op.totalTokens());
        List<Node> att = nodesOf(g, Attention.class);
        assertEquals(2, att.size());
        Attention pre = (Attention) att.get(0).op();
        Attention dec = (Attention) att.get(1).op();
        assertEquals(2, pre.batch());
        assertEquals(100, pre.qLen());
        assertEquals(30, dec.batch());
        assertEquals(500, dec.kvLen());
        assertTrue(dec.isDecode());
    }

    @Test
    void deepSeekSharedExpertAndCounts() {
        ModelConfig m = ModelZoo.get("deepseek-v3");
        GraphRequest r = GraphRequest.decode(m, 100, 2048).withRouting(new Routing.Zipf(1.0)).withSeed(11);
        long[] counts = GraphGenerator.expertTokens(r);
        assertEquals(256, counts.length);
        assertEquals(800, java.util.Arrays.stream(counts).sum());
        Graph g = GraphGenerator.generate(r);
        List<Node> ffn = nodesOf(g, ExpertFfn.class);
        // dense FFN (first 3 layers), routed experts, shared expert
        assertEquals(3, ffn.size());
        for (Node n : ffn) {
            ExpertFfn e = (ExpertFfn) n.op();
            if (e.experts() == 256) {
                assertArrayEquals(counts, e.tokens().toLongArray());
            }
        }
    }
}
