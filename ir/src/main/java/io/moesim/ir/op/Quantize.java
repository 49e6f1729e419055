package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.List;

/**
 * Dynamic per-tensor activation quantisation before a low-precision GEMM, as serving stacks run it for fp8
 * GEMMs (TensorRT-LLM, vLLM and SGLang keep activations in {@code from}, the model's 16-bit dtype (bf16, or fp16), between
 * ops and quantise a GEMM's input first): an amax pass over the tensor, then the cast to {@code to} with the scale it gives. Two streaming
 * kernels: the amax pass reads every element, the cast reads it again and writes it in {@code to} (an engine that
 * quantises with its checkpoint's static scale runs the cast alone: {@code FrameworkProfile.Serving#staticActivationScales}).
 *
 * <p>The result is the operand's shape in {@code to}. Generated graphs hold an fp8 model's activations in bf16
 * ({@code GraphRequest#activationDtype}); a graph that types them fp8 (a hand-written one) gets the same op, its DRAM
 * traffic counted at {@code from}, the precision the stack holds the activation in. FLOPs: 2 per element (the amax comparison, the scale multiply).
 */
public record Quantize(DType from, DType to) implements Op {
    public static final String MNEMONIC = "quantize";

    public Quantize {
        if (!from.isFloating() || !to.isFloating()) {
            throw new IllegalArgumentException(MNEMONIC + ": from and to must be floating dtypes, got " + from + " and " + to);
        }
    }

    /**
     * The quantise op an fp8 GEMM runs first where it runs one at all: its serving stack runs a separate quantise kernel
     * ({@code stackQuantizes}) and the GEMM is not on a PIM processor. The one statement of the rule: lowering and
     * {@code moesim op} both ask here.
     */
    public static java.util.Optional<Quantize> activation(Op op, List<TensorType> in, boolean stackQuantizes, boolean onPim) {
        return stackQuantizes && !onPim ? before(op, in) : java.util.Optional.empty();
    }

    /**
     * The quantise a serving stack that quantises activations runs before {@code op} on operands {@code in}: for a
     * matmul with fp8 weights or an fp8 input, its input from the 16-bit dtype the stack holds it in (the input's own: bf16,
     * or fp16 for an fp16 model; bf16 where the graph already types it fp8) to that fp8 dtype; empty for anything else, a
     * bf16 matmul on an input the graph types fp8 (an unquantised layer of a quantised model, {@link MatMul#mathDType}) included.
     */
    public static java.util.Optional<Quantize> before(Op op, List<TensorType> in) {
        if (!(op instanceof MatMul m) || in.isEmpty()) {
            return java.util.Optional.empty();
        }
        // an unquantised layer (bf16 weights) runs on the activation as the stack holds it; an fp8 one on its input quantised
        DType held = in.get(0).dtype();
        DType math = m.mathDType(held);
        return math.isFloat8() ? java.util.Optional.of(new Quantize(held.isFloat8() ? DType.BF16 : held, math)) : java.util.Optional.empty();
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("from", from).put("to", to);
    }

    static Quantize fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "from", "to");
        return new Quantize(a.getDType("from"), a.getDType("to"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        Check.floating(MNEMONIC, "input", in.get(0));
        return List.of(in.get(0).withDType(to));
    }

    @Override
    public long flops(List<TensorType> in) {
        return Math.multiplyExact(2L, in.get(0).elements());
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        long el = in.get(0).elements();
        return Traffic.activations(Math.multiplyExact(2L, from.bytesFor(el)), to.bytesFor(el));
    }
}
