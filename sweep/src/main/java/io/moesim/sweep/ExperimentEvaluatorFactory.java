package io.moesim.sweep;

import io.moesim.sim.metrics.ResultSchema;
import io.moesim.sim.metrics.SimulationResult;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An experiment's runs: serving simulations exactly as a sweep's ({@link SimulatorEvaluatorFactory}), whose rows also
 * keep the energy of each component ({@link ResultSchema#energyParts}), which a paper's energy breakdown needs.
 */
public final class ExperimentEvaluatorFactory implements EvaluatorFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public PointEvaluator create(SweepSpec spec) {
        SimulatorEvaluator ev = (SimulatorEvaluator) new SimulatorEvaluatorFactory().create(spec);
        return axes -> {
            SimulationResult r = ev.simulate(axes);
            Map<String, Double> m = new LinkedHashMap<>(ResultSchema.flat(r));
            m.putAll(ResultSchema.energyParts(r));
            return m;
        };
    }
}
