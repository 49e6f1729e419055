package io.moesim.sim.widep;

import io.moesim.ir.DType;
import io.moesim.sim.SimulationException;

/**
 * Wide expert parallelism: attention (and shared experts, dense layers, LM head) data-parallel over
 * {@code attnDp} devices, each with its own slice of the batch, and the routed experts
 * expert-parallel over {@code moeEp} devices (the same devices: DeepSeek's prefill runs DP32/EP32,
 * its decode DP144/EP144).
 *
 * @param dispatchDtype the dtype of dispatched activations (fp8 where the stack quantises before
 *                      sending, as DeepSeek does; then each 128 channels also carry one fp32 scale)
 * @param combineDtype  the dtype of the combine (bf16 in DeepSeek's stack)
 * @param eplbSlots     redundant expert slots placed by EPLB (0: plain contiguous EP)
 * @param microBatches  1, or 2 for two-micro-batch overlap of dispatch/combine with the other
 *                      micro-batch's compute
 */
public record WideEpConfig(int attnDp, int moeEp, EpMode mode, DType dispatchDtype, DType combineDtype, int eplbSlots, int microBatches) {

    public WideEpConfig {
        if (attnDp < 1 || moeEp < 1) {
            throw new SimulationException(0, "--attn-dp/--moe-ep", "degrees must be positive, got " + attnDp + " and " + moeEp);
        }
        if (attnDp != moeEp) {
            throw new SimulationException(0, "--attn-dp", "wide EP needs attention DP over the EP devices (--attn-dp = --moe-ep), got "
                    + attnDp + " and " + moeEp);
        }
        if (eplbSlots < 0) {
            throw new SimulationException(0, "--eplb-slots", "must be >= 0, got " + eplbSlots);
        }
        if (microBatches != 1 && microBatches != 2) {
            throw new SimulationException(0, "--micro-batches", "must be 1 or 2, got " + microBatches);
        }
        if (mode == null || dispatchDtype == null || combineDtype == null) {
            throw new SimulationException(0, "wide EP", "mode and dtypes are required");
        }
    }

    /** DeepSeek's choice: fp8 dispatch, bf16 combine, two micro-batches. */
    public static WideEpConfig deepseek(int ep, EpMode mode, int eplbSlots) {
        return new WideEpConfig(ep, ep, mode, DType.FP8_E4M3, DType.BF16, eplbSlots, 2);
    }

    public WideEpConfig withMicroBatches(int n) {
        return new WideEpConfig(attnDp, moeEp, mode, dispatchDtype, combineDtype, eplbSlots, n);
    }

    public WideEpConfig withEplbSlots(int n) {
        return new WideEpConfig(attnDp, moeEp, mode, dispatchDtype, combineDtype, n, microBatches);
    }

    /** Bytes of one dispatched or combined token copy of {@code hidden} channels in {@code dt}: 8-bit types add an fp32 scale per 128 channels. */
    public static long copyBytes(long hidden, DType dt) {
        long b = dt.bytesFor(hidden);
        if (dt.bits() <= 8) {
            b += 4 * ((hidden + 127) / 128);
        }
        return b;
    }
}
