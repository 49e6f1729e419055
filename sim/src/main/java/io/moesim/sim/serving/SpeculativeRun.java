package io.moesim.sim.serving;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The bookkeeping of {@link Speculation} over one run, one home for the aggregated {@link ServingLoop} and the
 * decode pool of the {@link DisaggregatedLoop}: each request's own seeded stream of draws (the same streams in
 * both loops, so that the same seed accepts the same proposals), the proposer's time, each decode's emitted
 * tokens (1 + its accepted proposals, never past its L_out), the counts (steps, proposed, accepted, emitted)
 * and the {@code speculation} JSON section.
 */
final class SpeculativeRun {
    private final Speculation speculation;
    private final IterationModel draft;
    private final int layers;
    private final SplittableRandom[] streams;
    private long steps;
    private long proposed;
    private long accepted;
    private long emitted;
    private long proposePs;

    /**
     * @param draft    the draft model's iteration costs for {@link Speculation.Method#DRAFT}; null otherwise
     * @param layers   the target model's layers (MTP's proposer is one layer of them)
     * @param requests the run's requests (request i draws from stream i)
     */
    SpeculativeRun(Speculation speculation, IterationModel draft, int layers, long seed, int requests) {
        check(speculation, draft, layers);
        this.speculation = speculation;
        this.draft = draft;
        this.layers = layers;
        this.streams = new SplittableRandom[requests];
        SplittableRandom root = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = 0; i < requests; i++) {
            streams[i] = root.split();
        }
    }

    /** Checks a loop's speculation inputs (null speculation: none): draft speculation needs the draft's costs, layers >= 1. */
    static void check(Speculation speculation, IterationModel draft, int layers) {
        if (speculation != null && speculation.method() == Speculation.Method.DRAFT && draft == null) {
            throw new IllegalArgumentException("draft speculation needs the draft model's iteration costs");
        }
        if (layers < 1) {
            throw new IllegalArgumentException("layers must be >= 1, got " + layers);
        }
    }

    int k() {
        return speculation.k();
    }

    /**
     * The proposer's time for decodes whose plain step (one query token each) is {@code plain}: MTP, k × that step
     * on {@code target} / L (one extra layer per proposed token); draft, k plain steps of the draft model.
     */
    long proposePs(IterationModel target, BatchSignature plain) {
        int k = speculation.k();
        long p = speculation.method() == Speculation.Method.MTP ? k * Math.max(1, target.get(plain).makespanPs()) / layers
                : k * Math.max(1, draft.get(plain).makespanPs());
        proposePs += p;
        return p;
    }

    /** Draws one step of every decode in {@code decodes}: the tokens each emits (1 + accepted, never past its L_out). */
    int[] step(List<Sequence> decodes) {
        int[] out = new int[decodes.size()];
        for (int j = 0; j < out.length; j++) {
            Sequence s = decodes.get(j);
            int a = speculation.draw(streams[s.id]);
            proposed += speculation.k();
            accepted += a;
            steps++;
            out[j] = (int) Math.min(a + 1, s.out - s.generated);
            emitted += out[j];
        }
        return out;
    }

    /** The {@code speculation} JSON section (a step: one sequence's verify of k proposals). */
    Map<String, Object> section() {
        Map<String, Object> sp = new LinkedHashMap<>();
        sp.put("method", speculation.method().name().toLowerCase(java.util.Locale.ROOT));
        sp.put("draft_model", speculation.draftModel() == null ? "none" : speculation.draftModel());
        sp.put("k", speculation.k());
        List<Object> acc = new ArrayList<>();
        for (double a : speculation.acceptance()) {
            acc.add(a);
        }
        sp.put("acceptance", acc);
        sp.put("steps", steps);
        sp.put("proposed_tokens", proposed);
        sp.put("accepted_tokens", accepted);
        sp.put("accepted_per_step", steps == 0 ? 0.0 : accepted / (double) steps);
        sp.put("tokens_per_step", steps == 0 ? 0.0 : emitted / (double) steps);
        sp.put("expected_tokens_per_step", speculation.expectedTokensPerStep());
        sp.put("propose_s", proposePs / 1e12);
        return sp;
    }
}
