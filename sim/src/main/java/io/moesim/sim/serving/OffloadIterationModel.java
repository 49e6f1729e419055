package io.moesim.sim.serving;

import io.moesim.sim.offload.ExpertOffload;

/**
 * An iteration model with expert offloading: each iteration costs what {@code inner} says plus the
 * stall of fetching its activated experts that are not in HBM ({@link ExpertOffload}, called once per
 * iteration in order, so the expert cache's state follows the run). Keeps the sum of the
 * iterations' upper-bound slack (simulated time less the least time any policy could take).
 */
public final class OffloadIterationModel implements IterationModel {
    private final IterationModel inner;
    private final ExpertOffload offload;
    private long slackPs;
    private long computePs;

    public OffloadIterationModel(IterationModel inner, ExpertOffload offload) {
        this.inner = inner;
        this.offload = offload;
    }

    @Override
    public IterationOutcome get(BatchSignature s) {
        IterationOutcome o = inner.get(s);
        long tokens = (long) s.decodes() * s.decodeQuery() + (long) s.prefills() * s.prefillLength();
        ExpertOffload.Step step = offload.next(tokens, o.makespanPs());
        long total = Math.addExact(o.makespanPs(), step.stallPs());
        slackPs += total - step.boundPs();
        computePs += o.makespanPs();
        return new IterationOutcome(total, o.busyPs(), o.intraLinkBusyPs(), o.interLinkBusyPs(), o.flops(), o.memoryBoundPs(), o.dynamicEnergy(),
                o.rooflinePs(), o.execution());
    }

    @Override
    public IterationOutcome exact(BatchSignature s) {
        return inner.exact(s);
    }

    @Override
    public String[] processorNames() {
        return inner.processorNames();
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public long hits() {
        return inner.hits();
    }

    @Override
    public long simulated() {
        return inner.simulated();
    }

    public ExpertOffload offload() {
        return offload;
    }

    /** Σ over iterations of (simulated iteration time − its upper-bound time), ps; never negative. */
    public long slackPs() {
        return slackPs;
    }

    /** Σ over iterations of the time without offloading, ps. */
    public long computePs() {
        return computePs;
    }
}
