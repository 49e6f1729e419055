package io.moesim.compiler.cost;

import io.moesim.hw.DerivedFigures;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.Collective;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Op;
import java.util.List;

/**
 * The analytic roofline: {@code max(flops / peak, bytes / bandwidth)} with the processor's dense
 * peak for the op's compute dtype and the DRAM bandwidth that processor sees (external HBM for a
 * GPU/xPU, internal bank-bundle bandwidth for PIM). It is the sanity bound of every simulated figure.
 */
public final class RooflineCostModel implements CostModel {
    public static final RooflineCostModel INSTANCE = new RooflineCostModel();

    @Override
    public String name() {
        return "roofline";
    }

    @Override
    public double seconds(Op op, List<TensorType> inputs, DeviceSpec device, ProcessorSpec processor) {
        return bound(op, inputs, device, processor).seconds();
    }

    /** Which side of the ridge an op falls on, and the times of both sides. */
    public record Bound(double computeSeconds, double memorySeconds) {
        public double seconds() {
            return Math.max(computeSeconds, memorySeconds);
        }

        public boolean computeBound() {
            return computeSeconds >= memorySeconds;
        }

        /** "compute", "memory", or "none" for an op that neither computes nor moves DRAM bytes (a view). */
        public String name() {
            if (computeSeconds == 0 && memorySeconds == 0) {
                return "none";
            }
            return computeBound() ? "compute" : "memory";
        }
    }

    public static Bound bound(Op op, List<TensorType> inputs, DeviceSpec device, ProcessorSpec processor) {
        long flops = op.flops(inputs);
        long bytes = op instanceof Collective ? 0 : op.traffic(inputs).total();
        double compute = 0;
        if (flops > 0) {
            DType dt = computeDType(op, inputs);
            double tflops = DerivedFigures.peakTflops(processor, dt)
                    .or(() -> DerivedFigures.peakTflops(processor, DType.FP16))
                    .orElse(0.0);
            compute = tflops > 0 ? flops / (tflops * 1e12) : Double.POSITIVE_INFINITY;
        }
        double bw = DerivedFigures.bandwidthSeenGBps(device, processor);
        double memory = bytes == 0 ? 0 : bw > 0 ? bytes / (bw * 1e9) : Double.POSITIVE_INFINITY;
        return new Bound(compute, memory);
    }

    /**
     * The dtype {@code op}'s math runs in: a matmul's {@link MatMul#mathDType}; an fp8 expert block or grouped GEMM on a
     * 16-bit input, and attention on an fp8 KV cache with 16-bit queries, in fp8 (the stacks quantise the input, and their
     * decode and prefill kernels on an fp8 cache run fp8 MMAs: TensorRT-LLM's XQA GMMA kernel, FlashAttention-3's fp8 path);
     * else {@link #computeDType(List)}.
     */
    public static DType computeDType(Op op, List<TensorType> inputs) {
        DType dt = computeDType(inputs);
        if (op instanceof MatMul m) {
            return m.mathDType(dt);
        }
        DType narrow = op instanceof ExpertFfn f ? f.wdtype() : op instanceof GroupedMatMul g ? g.wdtype()
                : op instanceof Attention a ? a.kvDtype() : op instanceof MlaAttention a ? a.kvDtype() : null;
        return narrow == null ? dt : dt.quantisedFor(narrow);
    }

    /** The dtype the math runs in: the first floating operand's (bf16 for a bf16 model), fp16 if none. */
    public static DType computeDType(List<TensorType> inputs) {
        for (TensorType t : inputs) {
            if (t.dtype().isFloating()) {
                return t.dtype();
            }
        }
        return DType.FP16;
    }
}
