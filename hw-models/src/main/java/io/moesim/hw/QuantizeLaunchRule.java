package io.moesim.hw;

import java.util.Optional;

/**
 * How a framework's activation-quantise kernels launch, read from its code ({@link FrameworkProfile.QuantizeCtas}): a closed
 * set a profile names by id.
 */
public enum QuantizeLaunchRule implements KernelRule {
    ONE_CTA_PER_TOKEN("one-cta-per-token", "vLLM's fp8 quantise kernels, github.com/vllm-project/vllm csrc/quantization/w8a8/fp8/common.cu "
            + "(scaled_fp8_quant_kernel_strided_dynamic, the cast; segmented_max_reduction_strided, the per-tensor amax) and "
            + "csrc/quantization/fp8/common.cu (dynamic_per_token_scaled_fp8_quant_kernel): one CTA per token row (token_idx = "
            + "blockIdx.x), each CTA's threads looping over its row; the kernel database's collector times them through "
            + "ops.scaled_fp8_quant (github.com/ai-dynamo/aiconfigurator collector/vllm/collect_computescale.py)");

    private final String id;
    private final String source;

    QuantizeLaunchRule(String id, String source) {
        this.id = id;
        this.source = source;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String source() {
        return source;
    }

    /** The rule of a framework's quantise kernels where its code says which (vLLM's: one CTA per token); otherwise empty. */
    public static Optional<QuantizeLaunchRule> forFramework(String framework) {
        return framework.equals("vllm") ? Optional.of(ONE_CTA_PER_TOKEN) : Optional.empty();
    }
}
