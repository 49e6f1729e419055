package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec validation checks relations between figures (issue 15), not only each figure's range. */
class TimingRelationsTest {
    private static String refused(String target, String... sets) {
        SpecException e = assertThrows(SpecException.class, () -> Targets.load(target, List.of(sets)));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void refreshLongerThanItsIntervalIsRefused() {
        // h100: tREFI 3900 ns (JEDEC HBM3); a refresh of 3900 ns or more leaves no time to serve requests
        String m = refused("h100", "memory.tRFC_ns=3900");
        assertTrue(m.contains("memory.tRFC_ns") && m.contains("tREFI_ns") && m.contains("--set memory.tRFC_ns=3900"), m);
        refused("h100", "memory.tRFC_ns=5000");
        // below tREFI but with no room for the DRAM to work between refreshes (2 x tRC = 96.924 ns): the simulator livelocked
        assertTrue(refused("h100", "memory.tRFC_ns=3899").contains("two row cycles"));
        refused("h100", "memory.tRFC_ns=3850");
        assertDoesNotThrow(() -> Targets.load("h100", List.of("memory.tRFC_ns=3800")));
    }

    @Test
    void rowTimingRelationsAreChecked() {
        assertTrue(refused("h100", "memory.tRAS_ns=60").contains("tRC_ns"));           // tRC 48.462
        assertTrue(refused("h100", "memory.tRCD_ns=40").contains("tRAS_ns"));          // tRAS 34.615
        assertTrue(refused("h100", "memory.tCCD_S_ns=4").contains("tCCD_L_ns"));       // tCCD_L 3.077
        assertTrue(refused("h100", "memory.tCK_ns=0.0001").contains("1 ps"));
        assertTrue(refused("h100", "memory.tREFI_ns=1e12").contains("memory.tREFI_ns"));
    }

    @Test
    void everyShippedTargetSatisfiesTheRelations() {
        for (String id : Targets.ids()) {
            assertDoesNotThrow(() -> Targets.load(id), id);
        }
    }

    @Test
    void anInfiniteBandwidthIsRefused() {
        // 1e308 Gb/s x 1024 bits x 5 stacks / 8 overflows a double: it used to pass the consistency check as NaN
        String m = refused("h100", "memory.data_rate_Gbps=1e308");
        assertTrue(m.contains("memory.data_rate_Gbps"), m);
        refused("h100", "memory.data_rate_Gbps=1e300", "memory.hbm_bandwidth_GBps=1e303");
    }

    @Test
    void hugeOrganisationsAreRefusedNotOverflowed() {
        assertTrue(refused("h100", "memory.banks_per_group=2000000000").contains("65536"));
        refused("h100", "memory.stacks=100000", "memory.capacity_GB=1");
    }

    @Test
    void theLastSetOfAKeyIsBlamed() {
        String m = refused("h100", "memory.stacks=6", "memory.stacks=0");
        assertTrue(m.contains("--set memory.stacks=0"), m);
        assertFalse(m.contains("--set memory.stacks=6"), m);
    }
}
