package io.moesim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.kernel.KernelSimulator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The serving engine a run gets ({@link Simulator#engine}): its framework profile's, with the run's chunked prefill where it sets one. */
class RunEngineTest {
    private static SimulationRequest.Builder trtllm() {
        return SimulationRequest.builder("olmoe-1b-7b", "h100x1").offline().requests(4).lengths(64, 4)
                .costModel(new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, d -> FrameworkProfiles.load("trtllm")));
    }

    @Test
    void aRunsChunkedPrefillOverridesTheProfilesAndKeepsItsOtherFigures() {
        SystemSpec h100 = Systems.load("h100x1");
        FrameworkProfile.Serving profile = FrameworkProfiles.load("trtllm").serving();
        // TensorRT-LLM's engine default: whole prompts (enable_chunked_context false)
        assertFalse(profile.chunkedPrefill());
        FrameworkProfile.Serving none = Simulator.engine(trtllm().build(), h100);
        assertEquals(profile, none);
        FrameworkProfile.Serving on = Simulator.engine(trtllm().chunkedPrefill(true).build(), h100);
        assertTrue(on.chunkedPrefill());
        assertEquals(profile.iterationOverheadUs(), on.iterationOverheadUs());
        assertEquals(profile.perSequenceUs(), on.perSequenceUs());
        assertEquals(profile.guaranteedNoEvict(), on.guaranteedNoEvict());
        assertEquals(profile.maxNumTokens(), on.maxNumTokens());
        assertFalse(Simulator.engine(trtllm().chunkedPrefill(false).build(), h100).chunkedPrefill());
        // hypothetical hardware (its default profile is ideal) runs no framework engine: a chunked-prefill setting is an error
        assertNull(Simulator.engine(SimulationRequest.builder("olmoe-1b-7b", "duplex-x4").build(), Systems.load("duplex-x4")));
        io.moesim.ir.MoesimException e = org.junit.jupiter.api.Assertions.assertThrows(io.moesim.ir.MoesimException.class,
                () -> Simulator.engine(SimulationRequest.builder("olmoe-1b-7b", "duplex-x4").chunkedPrefill(false).build(), Systems.load("duplex-x4")));
        assertTrue(e.getMessage().startsWith("chunked_prefill: a setting of a framework's engine"), e.getMessage());
    }

    /** poisson_gaps: a run key of Poisson runs only, written where it is not moesim's own, read back, and refused elsewhere. */
    @Test
    void poissonGapsIsARunKeyOfPoissonRunsThatRoundTrips() {
        RunSpec own = RunSpec.builder("olmoe-1b-7b", "h100x1").qps(2).build();
        assertFalse(own.toMap().containsKey("poisson_gaps"), "moesim's own gaps: the key left out, so older runs read as before");
        RunSpec numpy = RunSpec.builder("olmoe-1b-7b", "h100x1").qps(2).poissonGaps(io.moesim.sim.serving.ArrivalSpec.PoissonGaps.NUMPY).build();
        Map<String, Object> m = numpy.toMap();
        assertEquals("numpy", m.get("poisson_gaps"));
        assertEquals(numpy, RunSpec.fromMap(m, k -> k));
        java.util.Map<String, Object> bad = new java.util.HashMap<>(m);
        bad.put("poisson_gaps", "scipy");
        io.moesim.ir.MoesimException e = org.junit.jupiter.api.Assertions.assertThrows(io.moesim.ir.MoesimException.class,
                () -> RunSpec.fromMap(bad, k -> "s.yaml: " + k));
        assertEquals("s.yaml: poisson_gaps: unknown Poisson gaps 'scipy' (expected moesim or numpy)", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(io.moesim.ir.MoesimException.class, () -> RunSpec.builder("olmoe-1b-7b", "h100x1").batch(4)
                .poissonGaps(io.moesim.sim.serving.ArrivalSpec.PoissonGaps.NUMPY).build());
        assertTrue(e.getMessage().startsWith("poisson_gaps (--poisson-gaps): draws the gaps of a Poisson run"), e.getMessage());
    }

    @Test
    void chunkedPrefillIsARunKeyThatRoundTripsAndIsLeftOutWhenUnset() {
        RunSpec unset = RunSpec.builder("olmoe-1b-7b", "h100x1").build();
        assertFalse(unset.toMap().containsKey("chunked_prefill"));
        RunSpec on = RunSpec.builder("olmoe-1b-7b", "h100x1").chunkedPrefill(true).build();
        Map<String, Object> m = on.toMap();
        assertEquals(Boolean.TRUE, m.get("chunked_prefill"));
        assertEquals(on, RunSpec.fromMap(m, k -> k));
        RunSpec off = RunSpec.builder("olmoe-1b-7b", "h100x1").chunkedPrefill(false).build();
        assertEquals(off, RunSpec.fromMap(off.toMap(), k -> k));
        java.util.Map<String, Object> nothing = new java.util.HashMap<>(unset.toMap());
        nothing.put("chunked_prefill", null);
        io.moesim.ir.MoesimException e = org.junit.jupiter.api.Assertions.assertThrows(io.moesim.ir.MoesimException.class,
                () -> RunSpec.fromMap(nothing, k -> "run." + k));
        assertEquals("run.chunked_prefill: expected true or false, got nothing", e.getMessage());
    }
}
