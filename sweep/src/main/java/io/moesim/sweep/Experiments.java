package io.moesim.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs an experiment on the sweep engine: its runs, each once however many studies use it, become the points of one
 * sweep ({@link #sweepSpec}), stored and resumed by the sweep's {@link ResultStore} in the output folder, on the local
 * engine or on Spark; then the stored rows are paired up by study, setup, configuration and role
 * ({@link ExperimentResults}).
 * <pre>
 * ExperimentResults r = Experiments.run(ExperimentSpecs.load("duplex"), SweepRequest.local(file, out), progress -> ...);
 * </pre>
 */
public final class Experiments {
    private Experiments() {
    }

    /** The sweep of an experiment: the experiment's base, one point per distinct run, in study, setup, configuration, role order. */
    public static SweepSpec sweepSpec(ExperimentSpec e) {
        Map<String, Map<String, Object>> points = new LinkedHashMap<>();
        for (ExperimentSpec.Study s : e.studies()) {
            for (ExperimentSpec.Setup st : s.setups()) {
                for (int c = 0; c < st.configurations().size(); c++) {
                    for (String role : s.roles()) {
                        Map<String, Object> k = st.runKeys(c, role);
                        points.putIfAbsent(SweepPoint.idOf(k), k);
                    }
                }
            }
        }
        return new SweepSpec(e.name(), e.file(), e.base(), Map.of(), new ArrayList<>(points.values()), List.of());
    }

    /**
     * Runs the experiment's sweep as {@code req} says (its spec path is not read: the experiment is), with
     * {@link ExperimentEvaluatorFactory} unless the request names another evaluator, and pairs up the rows.
     */
    public static ExperimentResults run(ExperimentSpec e, SweepRequest req, SweepProgress.Listener listener) {
        SweepSpec spec = sweepSpec(e);
        SweepRequest r = req.evaluator() instanceof SimulatorEvaluatorFactory ? req.withEvaluator(new ExperimentEvaluatorFactory()) : req;
        SweepOutcome o = Sweeps.run(spec, r, listener);
        List<SweepPoint> points = PointSet.expand(spec);
        Map<Integer, PointResult> rows;
        try (ResultStore store = ResultStore.open(req.out(), spec, points.size())) {
            rows = store.readAll(points);
        }
        Map<String, PointResult> byId = new LinkedHashMap<>();
        rows.values().forEach(p -> byId.put(p.id(), p));
        return new ExperimentResults(e, byId, o);
    }
}
