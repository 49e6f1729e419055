package io.moesim.validation.gpu;

import io.moesim.ir.DType;
import io.moesim.validation.trace.OpForm;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link GpuValidation#run} does.
 *
 * @param ops       ops to time, in {@code moesim op} form; {@link #defaultOps()} when empty
 * @param target    the moesim target the GPU corresponds to (recorded in each row, e.g. h100)
 * @param dtype     dtype of the numerical checks
 * @param warmup    untimed runs before timing
 * @param reps      timed repetitions (median and p10/p90 over these)
 * @param traceOut  file to write the measured trace to, or null
 */
public record GpuRunOptions(List<OpForm> ops, String target, DType dtype, int warmup, int reps, Path traceOut) {

    public GpuRunOptions {
        ops = ops == null || ops.isEmpty() ? defaultOps() : List.copyOf(ops);
        if (warmup < 0 || reps < 1) {
            throw new IllegalArgumentException("need warmup >= 0 and reps >= 1");
        }
    }

    public static GpuRunOptions defaults(String target, Path traceOut) {
        return new GpuRunOptions(null, target, DType.BF16, 10, 50, traceOut);
    }

    /** The op set at several shapes each: GEMM, expert grouped GEMM, GQA prefill and decode, RMSNorm, router, MoE layer, a zoo block. */
    public static List<OpForm> defaultOps() {
        return List.of(
                OpForm.parse("matmul m=4096 n=4096 k=4096 dtype=bf16"),
                OpForm.parse("matmul m=8192 n=8192 k=8192 dtype=bf16"),
                OpForm.parse("matmul m=16 n=14336 k=4096 dtype=bf16"),
                OpForm.parse("matmul m=2048 n=14336 k=4096 dtype=fp16"),
                OpForm.parse("grouped-matmul groups=8 m=512 k=4096 n=14336 dtype=bf16"),
                OpForm.parse("grouped-matmul tokens=[300,12,0,700,45,1,900,90] k=4096 n=14336 dtype=bf16"),
                OpForm.parse("grouped-matmul groups=128 m=32 k=2048 n=768 dtype=bf16"),
                OpForm.parse("attention batch=1 heads=32 kv_heads=8 head_dim=128 q_len=4096 kv_len=4096 causal=true dtype=bf16"),
                OpForm.parse("attention batch=4 heads=32 kv_heads=8 head_dim=128 q_len=1024 kv_len=1024 causal=true dtype=bf16"),
                OpForm.parse("attention batch=64 heads=32 kv_heads=8 head_dim=128 q_len=1 kv_len=4096 causal=true dtype=bf16"),
                OpForm.parse("attention batch=16 heads=32 kv_heads=4 head_dim=128 q_len=1 kv_len=16384 causal=true dtype=bf16"),
                OpForm.parse("rms-norm tokens=4096 hidden=4096 dtype=bf16"),
                OpForm.parse("rms-norm tokens=64 hidden=7168 dtype=bf16"),
                OpForm.parse("router tokens=4096 hidden=4096 experts=8 top_k=2 scoring=softmax dtype=bf16"),
                OpForm.parse("router tokens=4096 hidden=7168 experts=256 top_k=8 scoring=sigmoid dtype=bf16"),
                OpForm.parse("moe-layer tokens=64 hidden=4096 experts=8 top_k=2 ffn=14336 dtype=bf16"),
                OpForm.parse("moe-layer tokens=4096 hidden=2048 experts=128 top_k=8 ffn=768 dtype=bf16"),
                OpForm.parse("block model=mixtral-8x7b batch=1 seq=2048 dtype=bf16"),
                OpForm.parse("block model=qwen3-30b batch=4 seq=512 dtype=bf16"));
    }
}
