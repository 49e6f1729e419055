package io.moesim.cli;

import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.sim.widep.EpMode;
import io.moesim.sim.widep.WideEpConfig;
import picocli.CommandLine.Option;

/** {@code simulate}'s wide expert-parallelism flags (issue 17): attention DP + MoE EP over many devices and nodes. */
final class WideEpFlags {
    @Option(names = "--ep-mode", paramLabel = "M",
            description = {"Wide expert parallelism (attention DP = MoE EP over --moe-ep devices, default all): time one iteration shape with",
                "DeepEP-style dispatch/combine, 'normal' (high throughput, NVLink forwarding; prefill) or 'll' (low latency, pure RDMA; decode).",
                "--batch is the global batch, --in the prompt length (prefill) or KV context (decode). See docs/deployment.md.",
                "With --disagg PREFILL:DECODE: a serving run (--qps, --offline, --requests) whose pools run under wide EP over each",
                "instance's devices; M for both pools, or PREFILL_MODE:DECODE_MODE (DeepSeek: normal:ll); a pool's mode 'off'",
                "keeps that pool on its compiler layout (--prefill-parallel / --decode-parallel), e.g. off:ll.",
                "With --system and --qps, --offline or --arrivals: a serving run of one aggregated wide-EP instance over all its",
                "devices, prefill and decode iterations never mixed (SGLang's default), M for both or PREFILL_MODE:DECODE_MODE.",
                "'auto' is normal:ll (SGLang's --deepep-mode auto)."})
    String mode;

    @Option(names = "--ep-phase", defaultValue = "decode", paramLabel = "P", description = "With --ep-mode: prefill or decode. Default: ${DEFAULT-VALUE}.")
    String phase;

    @Option(names = "--dispatch-dtype", defaultValue = "fp8", paramLabel = "DTYPE",
            description = "With --ep-mode: dtype of dispatched tokens (fp8 adds one fp32 scale per 128 channels; combine is bf16). Default: ${DEFAULT-VALUE}.")
    String dispatchDtype;

    @Option(names = "--eplb-slots", defaultValue = "0", paramLabel = "N",
            description = "With --ep-mode: redundant expert slots placed by EPLB from the routing's statistics (0: plain EP). Default: ${DEFAULT-VALUE}.")
    int eplbSlots;

    @Option(names = "--micro-batches", defaultValue = "1", paramLabel = "N",
            description = "With --ep-mode: 2 overlaps one micro-batch's dispatch/combine with the other's compute. Default: ${DEFAULT-VALUE}.")
    int microBatches;

    @Option(names = "--decode-micro-batch-from", defaultValue = "2", paramLabel = "N",
            description = {"With --micro-batches 2 in an --ep-mode serving run: a decode iteration splits a rank's share in two micro-batches",
                "only from N sequences per rank (an even share; fewer run as one batch, as 'moesim tune' prices decode steps). Default: ${DEFAULT-VALUE}."})
    int decodeTwoFrom;

    boolean enabled() {
        return mode != null;
    }

    /** With --disagg: each pool's wide-EP layout, DP = EP over all of an instance's devices; --ep-mode M or PREFILL_MODE:DECODE_MODE. */
    io.moesim.sim.DeployedServing.WideEpPools pools(SystemSpec[] systems) {
        // auto: SGLang's --deepep-mode auto, DeepEP's normal kernels for prefill and its low-latency ones for decode
        String[] m = (mode.strip().equalsIgnoreCase("auto") ? "normal:ll" : mode).split(":", -1);
        if (m.length > 2) {
            throw new MoesimException("--ep-mode: expected M or PREFILL_MODE:DECODE_MODE, got '" + mode + "'");
        }
        WideEpConfig p = pool(systems[0], m[0]);
        WideEpConfig d = pool(systems[1], m[m.length - 1]);
        if (p == null && d == null) {
            throw new MoesimException("--ep-mode: 'off' for both pools leaves no pool under wide EP; drop --ep-mode");
        }
        return new io.moesim.sim.DeployedServing.WideEpPools(p, d, decodeTwoFrom);
    }

    /** One pool's wide-EP layout: DP = EP over all of its instance's devices, in mode {@code m}; null for 'off' (its compiler layout). */
    private WideEpConfig pool(SystemSpec s, String m) {
        if (m.strip().equalsIgnoreCase("off")) {
            return null;
        }
        return new WideEpConfig(s.devices(), s.devices(), EpMode.parse(m), dispatch(), DType.BF16, eplbSlots, microBatches);
    }

    private DType dispatch() {
        try {
            return DType.parse(dispatchDtype);
        } catch (RuntimeException e) {
            throw new MoesimException("--dispatch-dtype: not a dtype: '" + dispatchDtype + "' (fp8 or bf16)");
        }
    }

    WideEpConfig config(CompileFlags flags, SystemSpec system) {
        int ep = flags.moeEp != null ? flags.moeEp : flags.attnDp != null ? flags.attnDp : system.devices();
        int dp = flags.attnDp != null ? flags.attnDp : ep;
        return new WideEpConfig(dp, ep, EpMode.parse(mode), dispatch(), DType.BF16, eplbSlots, microBatches);
    }
}
