package io.moesim.sim.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.hw.Systems;
import io.moesim.hw.Topology;
import org.junit.jupiter.api.Test;

class DeploymentSearchTest {
    /**
     * The search's instances are the built-in systems where they exist, so a Duplex instance sits on
     * the node of its H100 baseline (duplex-x4: the HGX 4-GPU full mesh), not on the device's default
     * switch that an on-request "duplexx4" would get.
     */
    @Test
    void instancesAreTheBuiltInSystemsWhereTheyExist() {
        assertEquals("duplex-x4", DeploymentSearch.systemName("duplex", 4));
        assertEquals("h100x4", DeploymentSearch.systemName("h100", 4));
        assertEquals("h100x2", DeploymentSearch.systemName("h100", 2)); // none built in: made on request
        assertEquals(Systems.load("h100x4").intraNodeTopology(), Systems.load(DeploymentSearch.systemName("duplex", 4)).intraNodeTopology());
        assertEquals(Topology.FULL_MESH, Systems.load("duplex-x4").intraNodeTopology());
    }
}
