package io.moesim.sim.serving;

import io.moesim.compiler.cost.RooflineCostModel;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.sim.SimulationException;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import org.junit.jupiter.api.Test;

/** Issue 15: a run whose simulated time the picosecond clock cannot hold is refused, not reported with negative times. */
class ClockRangeTest {
    @Test
    void arrivalsBeyondTheClockAreRefused() {
        // 4 Poisson arrivals at 1e-7 requests/s: the first is expected after 10^7 s = 10^19 ps, above 2^63 / 4 ps (about 2.3e18)
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).qps(1e-7).requests(4).lengths(32, 8).build();
        SimulationException e = assertThrows(SimulationException.class,
                () -> Simulator.simulate(r, ServingLoopTest.tinyModel(), ServingLoopTest.system(), new StandInPlanner(ServingLoopTest.system())));
        assertTrue(e.getMessage().contains("picosecond clock"), e.getMessage());
        assertTrue(ServingLoop.MAX_SIMULATED_PS == Long.MAX_VALUE / 4);
    }

    @Test
    void runsTooLargeToHoldAreRefusedBeforeTheyStart() {
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).batch(4).requests(2_000_000_000).lengths(32, 8).build();
        SimulationException e = assertThrows(SimulationException.class,
                () -> Simulator.simulate(r, ServingLoopTest.tinyModel(), ServingLoopTest.system(), new StandInPlanner(ServingLoopTest.system())));
        assertTrue(e.getMessage().contains("at most 10,000,000"), e.getMessage());
    }

    @Test
    void aSlowButRepresentableRateStillRuns() {
        // 1 request/s: 4 arrivals within seconds, far inside the clock's range; every figure stays non-negative
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).qps(1).requests(4).lengths(32, 8).build();
        var res = Simulator.simulate(r, ServingLoopTest.tinyModel(), ServingLoopTest.system(), new StandInPlanner(ServingLoopTest.system()));
        assertTrue(res.simulatedS() > 0 && res.throughputTokensPerS() > 0, res.toString());
    }
}
