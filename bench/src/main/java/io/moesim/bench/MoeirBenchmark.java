package io.moesim.bench;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphBuilder;
import io.moesim.ir.graph.Value;
import io.moesim.ir.graph.Verifier;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.KvAppend;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Router;
import io.moesim.ir.op.Scoring;
import io.moesim.ir.text.MoeirParser;
import io.moesim.ir.text.MoeirPrinter;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The .moeir text format on a large graph: Mixtral decode layers written out one after another
 * (no repeat), 14 nodes each, so 1,000 layers is 14,000 nodes. {@code parse} includes the
 * verifier (a parsed graph is always verified); {@code verify} alone shows its share.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MoeirBenchmark {

    @Param({"1000"})
    public int layers;

    private Graph graph;
    private String text;

    @Setup
    public void setup() {
        graph = mixtralDecode(layers);
        text = MoeirPrinter.print(graph);
    }

    @Benchmark
    public String parseVerifyPrint() {
        return MoeirPrinter.print(MoeirParser.parse(text, "bench.moeir"));
    }

    @Benchmark
    public Graph parse() {
        return MoeirParser.parse(text, "bench.moeir");
    }

    @Benchmark
    public String print() {
        return MoeirPrinter.print(graph);
    }

    @Benchmark
    public Graph verify() {
        Verifier.verify(graph);
        return graph;
    }

    /** {@code layers} Mixtral decode layers (batch 64) as straight-line code. */
    static Graph mixtralDecode(int layers) {
        DType bf16 = DType.BF16;
        GraphBuilder b = new GraphBuilder("mixtral_decode_unrolled");
        Value x = b.input("x", TensorType.of(bf16, 64, 4096));
        LongImmutableList tokens = LongImmutableList.of(20, 18, 16, 14, 16, 12, 16, 16);
        for (int i = 0; i < layers; i++) {
            Value n = b.add("n", new Norm(Norm.Kind.RMS, 4096, 1e-5, bf16), x);
            Value q = b.add("q", new MatMul(4096, 4096, bf16), n);
            Value k = b.add("k", new MatMul(4096, 1024, bf16), n);
            Value v = b.add("v", new MatMul(4096, 1024, bf16), n);
            b.addEffect(new KvAppend(bf16), k, v);
            Value a = b.add("attn", new Attention(32, 8, 128, 64, 1, 1024, true, 0, bf16), q, k, v);
            Value o = b.add("o", new MatMul(4096, 4096, bf16), a);
            Value h = b.add("h", new Elementwise(Elementwise.Kind.ADD), x, o);
            Value n2 = b.add("n2", new Norm(Norm.Kind.RMS, 4096, 1e-5, bf16), h);
            List<Value> r = b.addMulti(List.of("idx", "w"), new Router(8, 2, 4096, Scoring.SOFTMAX, 0, bf16), List.of(n2));
            Value d = b.add("d", new Dispatch(8, 2, tokens), n2, r.get(0));
            Value e = b.add("e", new ExpertFfn(8, 2, tokens, 4096, 14336, FfnActivation.SWIGLU, bf16), d);
            Value c = b.add("c", new Combine(8, 2, tokens), e, r.get(1));
            x = b.add("x", new Elementwise(Elementwise.Kind.ADD), h, c);
        }
        return b.output(x).build();
    }
}
