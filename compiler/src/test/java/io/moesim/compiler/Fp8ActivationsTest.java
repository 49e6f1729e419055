package io.moesim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Quantize;
import io.moesim.ir.op.Traffic;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An fp8 model holds its activations in bf16 between ops: its GEMMs quantise their input and write bf16, so residuals,
 * norms and the tensor-parallel all-reduces move 2 bytes an element (TensorRT-LLM's FP8QDQLinearMethod asks its scaled
 * GEMM for the input's dtype out). Expected values by hand.
 */
class Fp8ActivationsTest {

    @Test
    void theActivationDtypeIsTheModelsOwnUnderEightBitWeights() {
        GraphRequest llama = GraphRequest.decode(ModelZoo.get("llama-3-8b"), 4, 64);
        assertEquals(DType.BF16, llama.withDtype(DType.FP8_E4M3).activationDtype());
        assertEquals(DType.BF16, llama.activationDtype());
        assertEquals(DType.FP32, llama.withDtype(DType.FP32).activationDtype());
        // OPT's own dtype is fp16: its fp8 serving holds fp16 activations
        GraphRequest opt = GraphRequest.decode(ModelZoo.get("opt-66b"), 4, 64);
        assertEquals(DType.FP16, opt.withDtype(DType.FP8_E4M3).activationDtype());
    }

    @Test
    void anFp8GemmOnABf16InputRunsInFp8AndWritesBf16() {
        MatMul fp8 = new MatMul(4096, 1024, DType.FP8_E4M3);
        TensorType x = TensorType.of(DType.BF16, 16, 4096);
        assertEquals(DType.FP8_E4M3, fp8.mathDType(DType.BF16));
        assertEquals(DType.BF16, fp8.outputDType(DType.BF16));
        assertEquals(TensorType.of(DType.BF16, 16, 1024), fp8.inferTypes(List.of(x)).get(0));
        // weights 4096 x 1024 at 1 byte; the quantised input read at 1 byte (16 x 4096); the output written at 2 (16 x 1024)
        assertEquals(new Traffic(4096L * 1024, 16L * 4096, 2L * 16 * 1024, 0, 0), fp8.traffic(List.of(x)));
        assertEquals(new Quantize(DType.BF16, DType.FP8_E4M3), Quantize.before(fp8, List.of(x)).orElseThrow());
        // an fp16 model's activation (OPT's, above) is quantised from fp16, the dtype the stack holds it in
        assertEquals(new Quantize(DType.FP16, DType.FP8_E4M3), Quantize.before(fp8, List.of(TensorType.of(DType.FP16, 16, 4096))).orElseThrow());
        // the cases as before: a bf16 layer on an fp8-typed input runs bf16; fp8 on fp8 stays fp8; bf16 on bf16 quantises nothing
        MatMul bf16 = new MatMul(4096, 1024, DType.BF16);
        assertEquals(DType.BF16, bf16.mathDType(DType.FP8_E4M3));
        assertEquals(DType.BF16, bf16.outputDType(DType.FP8_E4M3));
        assertEquals(DType.FP8_E4M3, fp8.outputDType(DType.FP8_E4M3));
        assertTrue(Quantize.before(bf16, List.of(x)).isEmpty());
        assertTrue(Quantize.before(bf16, List.of(TensorType.of(DType.FP8_E4M3, 16, 4096))).isEmpty());
    }

    @Test
    void theGraphOfAnFp8ModelMovesBf16BetweenItsOps() {
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("mixtral-8x7b"), 8, 128).withDtype(DType.FP8_E4M3));
        int adds = 0;
        int fp8Gemms = 0;
        for (Node n : allNodes(g)) {
            if (n.op() instanceof Elementwise) {
                adds++;
                assertEquals(DType.BF16, n.result().type().dtype(), "the residual stream: " + n);
            }
            if (n.op() instanceof MatMul m && m.wdtype() == DType.FP8_E4M3) {
                fp8Gemms++;
                assertEquals(DType.BF16, n.operands().get(0).type().dtype(), "an fp8 layer's input: " + n);
                assertEquals(DType.BF16, n.result().type().dtype(), "its output: " + n);
            }
            if (n.op() instanceof ExpertFfn f) {
                assertEquals(DType.FP8_E4M3, f.wdtype());
                assertEquals(DType.BF16, n.operands().get(0).type().dtype());
            }
            if (n.op() instanceof Attention a) {
                // the cache stays in the serving dtype
                assertEquals(DType.FP8_E4M3, a.kvDtype());
            }
        }
        assertTrue(adds > 0 && fp8Gemms > 0);
    }

    @Test
    void theMathOfExpertsAndOfAttentionOnAnFp8CacheIsFp8() {
        TensorType x = TensorType.of(DType.BF16, 16, 4096);
        ExpertFfn fp8 = ExpertFfn.dense(16, 4096, 14336, io.moesim.ir.op.FfnActivation.SWIGLU, DType.FP8_E4M3);
        assertEquals(DType.FP8_E4M3, RooflineCostModel.computeDType(fp8, List.of(x)));
        ExpertFfn bf16 = ExpertFfn.dense(16, 4096, 14336, io.moesim.ir.op.FfnActivation.SWIGLU, DType.BF16);
        assertEquals(DType.BF16, RooflineCostModel.computeDType(bf16, List.of(x)));
        Attention onFp8 = new Attention(32, 8, 128, 4, 1, 1024, false, 0, DType.FP8_E4M3);
        Attention onBf16 = new Attention(32, 8, 128, 4, 1, 1024, false, 0, DType.BF16);
        List<TensorType> qkv = List.of(TensorType.of(DType.BF16, 4, 4096), TensorType.of(DType.BF16, 4, 1024), TensorType.of(DType.BF16, 4, 1024));
        assertEquals(DType.FP8_E4M3, RooflineCostModel.computeDType(onFp8, qkv));
        assertEquals(DType.BF16, RooflineCostModel.computeDType(onBf16, qkv));
    }

    @Test
    void aTensorParallelAllReduceOfAnFp8ModelMovesTwoBytesAnElement() {
        // Llama-3-8B decode, 16 sequences, TP 2: each all-reduce is [16, 4096] in bf16, a ring moving 2 (g-1)/g of it
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("llama-3-8b"), 16, 256).withDtype(DType.FP8_E4M3));
        HardwarePlan p = Compiler.compile(g, Systems.load("h100x2"),
                Fixtures.options(Fixtures.p(2, 1, 1, 1), Fixtures.p(2, 1, 1, 1), CompileOptions.Placement.OPB, CompileOptions.ExpertPlacement.RR,
                        CompileOptions.Overlap.LAYER, 1), RooflineCostModel.INSTANCE).plan();
        List<Task> ars = p.tasks().stream().filter(t -> t.op().mnemonic().equals("all_reduce") && t.layer() == 0).toList();
        assertTrue(!ars.isEmpty());
        for (Task t : ars) {
            assertEquals(TensorType.of(DType.BF16, 16, 4096), t.inputs().get(0), t.name());
            assertEquals(2.0 * (2 - 1) / 2 * 16 * 4096 * 2, t.linkBytes(), 1e-9, t.name());
        }
    }

    private static List<Node> allNodes(Graph g) {
        java.util.ArrayList<Node> out = new java.util.ArrayList<>();
        collect(g.body(), out);
        return out;
    }

    private static void collect(io.moesim.ir.graph.Block b, List<Node> out) {
        for (Node n : b.nodes()) {
            out.add(n);
            if (n.hasBody()) {
                collect(n.body(), out);
            }
        }
    }
}
