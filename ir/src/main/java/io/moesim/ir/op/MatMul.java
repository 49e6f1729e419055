package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.List;

/**
 * {@code y = x · W} with a weight matrix W of {@code [k, n]} held in DRAM (a linear layer). With
 * {@code batch > 1} there are {@code batch} independent weight matrices and x is {@code [batch, m, k]}
 * (per-head projections such as MLA's absorbed up-projections), or x is a flat token tensor
 * {@code [T, batch·k]} whose features are head-major ({@code [T, batch·n]} out): the layout the
 * token-wise ops use, so per-head projections need no reshape.
 *
 * <p>FLOPs = 2·(output elements)·k, i.e. 2·rows·k·n per weight matrix; weight bytes =
 * batch·k·n·sizeof(wdtype).
 *
 * <p>{@code tied}: an LM head whose matrix is the embedding table (a model with tied embeddings): it reads its weights as
 * any GEMM does, but memory holds them once, as the embedding's, where both are on one device (under pipeline parallelism
 * the last stage holds its own copy). Attribute {@code tied}, written only where true.
 */
public record MatMul(long k, long n, DType wdtype, long batch, boolean tied) implements Op {
    public static final String MNEMONIC = "matmul";

    public MatMul {
        Check.positive(MNEMONIC, "k", k);
        Check.positive(MNEMONIC, "n", n);
        Check.positive(MNEMONIC, "batch", batch);
    }

    public MatMul(long k, long n, DType wdtype) {
        this(k, n, wdtype, 1, false);
    }

    public MatMul(long k, long n, DType wdtype, long batch) {
        this(k, n, wdtype, batch, false);
    }

    /** The same matrix held as its own: where a tied head does not sit beside its embedding's share of the table. */
    public MatMul untied() {
        return tied ? new MatMul(k, n, wdtype, batch, false) : this;
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        Attrs a = new Attrs().put("k", k).put("n", n).put("wdtype", wdtype);
        if (batch != 1) {
            a.put("batch", batch);
        }
        return tied ? a.put("tied", true) : a;
    }

    static MatMul fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "k", "n", "wdtype", "batch", "tied");
        return new MatMul(a.getPositive("k"), a.getPositive("n"), a.getDType("wdtype"), a.getLong("batch", 1), a.getBool("tied", false));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        TensorType x = in.get(0);
        Check.floating(MNEMONIC, "input", x);
        if (batch > 1 && x.rank() == 2) {
            Check.dim(MNEMONIC, "input last dim (batch*k)", x.last(), batch * k);
            return List.of(x.withShape(x.shape().withDim(-1, batch * n)).withDType(outputDType(x.dtype())));
        }
        if (batch > 1) {
            Check.rank(MNEMONIC, "input", x, 3);
            Check.dim(MNEMONIC, "input dim 0 (batch)", x.shape().dim(0), batch);
        } else {
            Check.minRank(MNEMONIC, "input", x, 1);
        }
        Check.dim(MNEMONIC, "input last dim (k)", x.last(), k);
        return List.of(x.withShape(x.shape().withDim(-1, n)).withDType(outputDType(x.dtype())));
    }

    /**
     * The precision the GEMM runs in: its input's where the two are alike; its 8-bit floating weights' on a 16-bit
     * input (the stack quantises the input first, {@link Quantize#before}: an fp8 layer on the bf16 activations a serving
     * stack holds); its 16-bit weights' on an 8-bit floating input (a layer a quantised model keeps unquantised, as the LM
     * head of an fp8 checkpoint, on a graph that types its activations fp8).
     */
    public DType mathDType(DType input) {
        return input.isFloat8() && wdtype.isFloating() && wdtype.bits() == 16 ? wdtype : input.quantisedFor(wdtype);
    }

    /** The dtype the GEMM writes: the wider of its input's and its math's (an fp8 GEMM on a bf16 input writes bf16). */
    public DType outputDType(DType input) {
        DType math = mathDType(input);
        return input.bits() >= math.bits() ? input : math;
    }

    @Override
    public long flops(List<TensorType> in) {
        return Math.multiplyExact(Math.multiplyExact(2L, outElements(in.get(0))), (long) k);
    }

    private long outElements(TensorType x) {
        return batch > 1 && x.rank() == 2 ? Math.multiplyExact(Math.multiplyExact(x.rows(), (long) batch), (long) n) : Math.multiplyExact(x.rows(), (long) n);
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        TensorType x = in.get(0);
        long out = outputDType(x.dtype()).bytesFor(outElements(x));
        // the input as the math reads it: a quantised input's narrower copy (its quantise reads the 16-bit tensor)
        DType math = mathDType(x.dtype());
        long read = math.bits() < x.dtype().bits() ? math.bytesFor(x.elements()) : x.bytes();
        return new Traffic(wdtype.bytesFor(params()), read, out, 0, 0);
    }

    @Override
    public long params() {
        return Math.multiplyExact(Math.multiplyExact((long) batch, (long) k), (long) n);
    }
}
