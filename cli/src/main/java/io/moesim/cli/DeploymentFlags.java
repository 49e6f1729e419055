package io.moesim.cli;

import io.moesim.hw.Links;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.MoesimException;
import io.moesim.sim.Deployment;
import io.moesim.sim.Disaggregation;
import io.moesim.sim.serving.DisaggregatedLoop;
import io.moesim.sim.serving.Speculation;
import java.util.Locale;
import picocli.CommandLine.Option;

/** {@code simulate}'s deployment options: disaggregated pools, KV link, prefix caching, speculation, SLA. */
final class DeploymentFlags {
    @Option(names = "--disagg", paramLabel = "PREFILL_SYSTEM:DECODE_SYSTEM",
            description = {"Disaggregated serving: a prefill pool of PREFILL_SYSTEM instances and a decode pool of DECODE_SYSTEM instances",
                "(e.g. h100x8:duplex-x4); the KV cache of each request moves between them over --kv-link. Replaces --system."})
    String disagg;

    @Option(names = "--prefill-pools", defaultValue = "1", paramLabel = "X", description = "Prefill instances (the x of the xP:yD ratio). Default: ${DEFAULT-VALUE}.")
    int prefillPools;

    @Option(names = "--decode-pools", defaultValue = "1", paramLabel = "Y", description = "Decode instances (the y of the xP:yD ratio). Default: ${DEFAULT-VALUE}.")
    int decodePools;

    @Option(names = "--prefill-max-batch", paramLabel = "N", description = "Max sequences per prefill iteration. Default: --max-batch.")
    Integer prefillMaxBatch;

    @Option(names = "--decode-max-batch", paramLabel = "N", description = "Max sequences per decode instance. Default: --max-batch.")
    Integer decodeMaxBatch;

    @Option(names = "--prefill-parallel", paramLabel = "K=N[,K=N...]",
            description = {"The prefill pool's own parallel layout, in place of --tp/--ep/...: keys tp, ep, dp, pp, attn-tp, attn-dp, moe-tp, moe-ep",
                "(e.g. attn-dp=8,moe-ep=8). Default: the shared parallel flags, else tensor parallel over the instance's devices."})
    String prefillParallel;

    @Option(names = "--decode-parallel", paramLabel = "K=N[,K=N...]", description = "The decode pool's own parallel layout (as --prefill-parallel).")
    String decodeParallel;

    @Option(names = "--kv-link", paramLabel = "LINK",
            description = {"Link the KV cache moves on (" + "see hw-models links/: nvlink4, nvlink5, ib-ndr-400, pcie5-x16, ...).",
                "Default: the prefill system's intra-node link when both pools fit in one of its nodes, else its inter-node link (ib-ndr-400 when none)."})
    String kvLink;

    @Option(names = "--kv-overlap", defaultValue = "layer", paramLabel = "M",
            description = "layer: send each layer's KV as soon as it is computed (only the last layer's share is exposed); none: after the prefill. Default: ${DEFAULT-VALUE}.")
    String kvOverlap;

    @Option(names = "--prefix-hit", paramLabel = "R",
            description = "Prefix caching: the first R x L_in tokens of every prompt are in the cache (0 <= R < 1): their prefill is skipped, their KV shared.")
    Double prefixHit;

    @Option(names = "--spec-k", paramLabel = "K", description = "Speculative decoding (every decode of a serving run, aggregated or the decode pool of --disagg; or --ep-mode decode with mtp): K proposed tokens per step.")
    Integer specK;

    @Option(names = "--spec-accept", defaultValue = "0.8", paramLabel = "A[,A2,...]",
            description = "Acceptance: one rate, or K conditional rates (position i accepted given the earlier ones were). Default: ${DEFAULT-VALUE}.")
    String specAccept;

    @Option(names = "--spec-method", defaultValue = "mtp", paramLabel = "M",
            description = "mtp: one extra layer per proposed token (DeepSeek-V3 MTP); draft:MODEL: K decode steps of a small draft model. Default: ${DEFAULT-VALUE}.")
    String specMethod;

    @Option(names = "--sla-ttft-ms", defaultValue = "0", paramLabel = "MS", description = "TTFT limit for goodput (0: none).")
    double slaTtftMs;

    @Option(names = "--sla-tpot-ms", defaultValue = "0", paramLabel = "MS", description = "TPOT limit for goodput (0: none).")
    double slaTpotMs;

    boolean disaggregated() {
        return disagg != null;
    }

    /** The prefill and decode systems of --disagg, loaded with the run's --set overrides. */
    SystemSpec[] systems(ServingFlags serving) {
        String[] p = split();
        return new SystemSpec[] {Systems.load(p[0], serving.sets), Systems.load(p[1], serving.sets)};
    }

    private String[] split() {
        String[] p = disagg.split(":", -1);
        if (p.length != 2 || p[0].isBlank() || p[1].isBlank()) {
            throw new MoesimException("--disagg: expected PREFILL_SYSTEM:DECODE_SYSTEM, got '" + disagg + "'");
        }
        return new String[] {p[0].strip(), p[1].strip()};
    }

    Deployment deployment(ServingFlags serving, CompileFlags flags) {
        if (!(slaTtftMs >= 0) || !(slaTpotMs >= 0) || Double.isInfinite(slaTtftMs) || Double.isInfinite(slaTpotMs)) {
            throw new MoesimException("--sla-ttft-ms and --sla-tpot-ms must be finite and >= 0");
        }
        double hit = prefixHit == null ? 0 : prefixHit;
        if (!(hit >= 0 && hit < 1)) {
            throw new MoesimException("--prefix-hit must be in [0, 1), got " + hit);
        }
        Speculation spec = null;
        if (specK != null) {
            spec = speculation();
        }
        Disaggregation d = null;
        if (disaggregated()) {
            if (prefillPools < 1 || decodePools < 1) {
                throw new MoesimException("--prefill-pools and --decode-pools must be >= 1");
            }
            int pmb = prefillMaxBatch == null ? serving.maxBatch : prefillMaxBatch;
            int dmb = decodeMaxBatch == null ? serving.maxBatch : decodeMaxBatch;
            if (pmb < 1 || dmb < 1) {
                throw new MoesimException("--prefill-max-batch and --decode-max-batch must be >= 1");
            }
            boolean layer = switch (kvOverlap.strip().toLowerCase(Locale.ROOT)) {
                case "layer" -> true;
                case "none" -> false;
                default -> throw new MoesimException("--kv-overlap: expected layer or none, got '" + kvOverlap + "'");
            };
            if (kvLink != null) {
                Links.load(kvLink); // an unknown link fails here, once
            }
            String[] p = split();
            SystemSpec[] sys = systems(serving);
            d = new Disaggregation(p[0], p[1], prefillPools, decodePools, pmb, dmb, kvLink, layer,
                    flags.options(sys[0], serving.routing, serving.seed, parallel("--prefill-parallel", prefillParallel)),
                    flags.options(sys[1], serving.routing, serving.seed, parallel("--decode-parallel", decodeParallel)));
        } else if (prefillMaxBatch != null || decodeMaxBatch != null || kvLink != null || prefillPools != 1 || decodePools != 1
                || prefillParallel != null || decodeParallel != null) {
            throw new MoesimException("--prefill-pools, --decode-pools, --prefill-max-batch, --decode-max-batch, --prefill-parallel, "
                    + "--decode-parallel and --kv-link go with --disagg");
        }
        return new Deployment(hit, d, spec, new DisaggregatedLoop.Sla(slaTtftMs, slaTpotMs));
    }

    /** Parses a pool's parallel layout "K=N,K=N"; null (the shared flags) when not given. */
    static java.util.Map<String, Integer> parallel(String flag, String text) {
        if (text == null) {
            return null;
        }
        java.util.Map<String, Integer> m = new java.util.LinkedHashMap<>();
        for (String part : text.split(",")) {
            String[] kv = part.split("=", -1);
            String k = kv[0].strip().toLowerCase(Locale.ROOT);
            if (kv.length != 2 || !CompileFlags.PARALLEL_KEYS.contains(k)) {
                throw new MoesimException(flag + ": expected K=N pairs with K one of " + String.join(", ", CompileFlags.PARALLEL_KEYS) + ", got '" + part + "'");
            }
            int n;
            try {
                n = Integer.parseInt(kv[1].strip());
            } catch (NumberFormatException e) {
                throw new MoesimException(flag + ": " + k + " must be an integer, got '" + kv[1] + "'");
            }
            if (n < 1) {
                throw new MoesimException(flag + ": " + k + " must be >= 1, got " + n);
            }
            m.put(k, n);
        }
        return m;
    }

    /** The speculation these flags state (null without --spec-k); errors name the flag. */
    Speculation speculation() {
        if (specK == null) {
            return null;
        }
        Speculation spec;
        String m = specMethod.strip();
        Speculation.Method method;
        String draft = null;
        if (m.equalsIgnoreCase("mtp")) {
            method = Speculation.Method.MTP;
        } else if (m.toLowerCase(Locale.ROOT).startsWith("draft:") && m.length() > 6) {
            method = Speculation.Method.DRAFT;
            draft = m.substring(6);
            io.moesim.ir.model.ModelZoo.resolve(draft); // an unknown model fails here, once
        } else {
            throw new MoesimException("--spec-method: expected mtp or draft:MODEL, got '" + specMethod + "'");
        }
        try {
            spec = new Speculation(method, specK, Speculation.parseAcceptance(specAccept, specK), draft);
        } catch (IllegalArgumentException e) {
            throw new MoesimException("--spec-k/--spec-accept: " + e.getMessage());
        }
        return spec;
    }

    /** Whether anything beyond a plain aggregated run was asked for. */
    boolean any() {
        return disaggregated() || prefixHit != null || specK != null || slaTtftMs > 0 || slaTpotMs > 0;
    }
}
