package io.moesim.validation.database;

import io.moesim.sim.kernel.FrameworkCost;
import io.moesim.validation.trace.IrOps;
import io.moesim.validation.trace.OpForm;

/**
 * One measured op of the kernel database.
 *
 * @param op        the op in the form of {@code moesim op}
 * @param gpu       the moesim target ({@code h100}, {@code h200})
 * @param device    the GPU as the table names it
 * @param framework {@code trtllm}, {@code vllm}, {@code sglang}, or {@code nccl} (collectives no framework ran)
 * @param us        measured time per call, µs
 * @param source    the table it came from
 * @param kind      the reporting kind ({@link #kindOf})
 * @param split     calibration or test ({@link DbSplit})
 */
public record DbRow(OpForm op, String gpu, String device, String framework, double us, String source, String kind, DbSplit split) {

    public static DbRow of(String opText, String gpu, String device, String framework, double us, String source) {
        OpForm f = OpForm.parse(opText);
        return new DbRow(f, gpu, device, framework, us, source, kindOf(f), DbSplit.of(f.text()));
    }

    /**
     * Decode attention on an fp8 KV cache under bf16 queries (its math fp8, RooflineCostModel.computeDType): the kind of the class {@code attention_decode_fp8_kv}
     * ({@link io.moesim.hw.FrameworkProfile#ATTENTION_DECODE_FP8_KV}), another kernel than a 16-bit cache's.
     */
    public static final String DECODE_FP8_KV = "attention-decode-fp8-kv";

    /** This row with another measured time (tests: a row no fit may read). */
    public DbRow withUs(double v) {
        return new DbRow(op, gpu, device, framework, v, source, kind, split);
    }

    /** The reporting kind of an op form. */
    public static String kindOf(OpForm f) {
        switch (f.kind()) {
            case "matmul":
                return f.get("dtype", "bf16").startsWith("fp8") ? "gemm-fp8" : "gemm-bf16";
            case "attention": {
                String kind = attentionKind(f);
                // the class's own predicate on the op's cache (FrameworkCost.opClass asks the same)
                boolean fp8Cache = FrameworkCost.runsFp8CacheKernel(IrOps.kvDtype(f, IrOps.dtype(f)));
                return kind.equals("attention-decode") && fp8Cache ? DECODE_FP8_KV : kind;
            }
            case "moe-layer":
                return "moe";
            case "quantize":
                return "quantize";
            case "all-reduce":
                return f.has("impl") ? "custom-all-reduce" : "nccl";
            default:
                return "nccl";
        }
    }

    /**
     * An attention op's reporting kind, by the kernel a framework runs it on ({@link FrameworkCost#runsDecodeKernel}):
     * {@code attention-decode}, or {@code attention-prefill} (a context-phase row, a whole prompt, is prefill at one token too).
     */
    static String attentionKind(OpForm f) {
        long q = f.getLong("q_len", 2);
        boolean causal = Boolean.parseBoolean(f.get("causal", "false"));
        return FrameworkCost.runsDecodeKernel(causal, q, f.getLong("kv_len", q + 1)) ? "attention-decode" : "attention-prefill";
    }

    /**
     * The moesim system a collective ran on, empty otherwise: the tables were measured on one 8-GPU HGX
     * node (NVLink 4 switch), a group of 2 or 4 being that many of its GPUs, so {@code <gpu>x8}.
     */
    public String system() {
        return f().has("group") ? gpu + "x8" : "";
    }

    private OpForm f() {
        return op;
    }
}
