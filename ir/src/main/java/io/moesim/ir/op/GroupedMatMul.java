package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;

/**
 * One GEMM per group over a token-sorted input: group g multiplies its {@code tokens[g]} rows by its
 * own {@code [k, n]} weight. Input {@code [T, k]} with T = Σ tokens, output {@code [T, n]}.
 * FLOPs = 2·T·k·n; weight bytes count only groups that received tokens (the others are never read).
 */
public record GroupedMatMul(LongImmutableList tokens, long k, long n, DType wdtype) implements Op {
    public static final String MNEMONIC = "grouped_matmul";

    public GroupedMatMul {
        Check.positive(MNEMONIC, "k", k);
        Check.positive(MNEMONIC, "n", n);
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException(MNEMONIC + ": tokens must list at least one group");
        }
        Check.sum(tokens);
    }

    public int groups() {
        return tokens.size();
    }

    public long totalTokens() {
        return Check.sum(tokens);
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("tokens", tokens.toLongArray()).put("k", k).put("n", n).put("wdtype", wdtype);
    }

    static GroupedMatMul fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "tokens", "k", "n", "wdtype");
        return new GroupedMatMul(LongImmutableList.of(a.getLongs("tokens")), a.getPositive("k"), a.getPositive("n"), a.getDType("wdtype"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        TensorType x = in.get(0);
        Check.rank(MNEMONIC, "input", x, 2);
        Check.floating(MNEMONIC, "input", x);
        Check.dim(MNEMONIC, "input rows (sum of group tokens)", x.shape().dim(0), totalTokens());
        Check.dim(MNEMONIC, "input last dim (k)", x.last(), k);
        return List.of(TensorType.of(x.dtype(), x.shape().dim(0), n));
    }

    @Override
    public long flops(List<TensorType> in) {
        return Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(2L, totalTokens()), (long) k), (long) n);
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        TensorType x = in.get(0);
        long w = wdtype.bytesFor(Math.multiplyExact(Math.multiplyExact((long) Check.nonZero(tokens), (long) k), (long) n));
        return new Traffic(w, x.bytes(), x.dtype().bytesFor(Math.multiplyExact(totalTokens(), (long) n)), 0, 0);
    }

    @Override
    public long params() {
        return Math.multiplyExact(Math.multiplyExact((long) groups(), (long) k), (long) n);
    }
}
