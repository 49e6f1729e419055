package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The host tier of Fiddler's environment 1 (tiers/host-pcie3-skylake.yaml): the loader gives the figures the
 * YAML states, and each equals its datasheet derivation, computed here by hand from the cited parts.
 */
class FiddlerTierTest {

    @Test
    void theLoaderGivesTheDatasheetFiguresTheYamlStates() {
        MemoryTier t = MemoryTier.load("host-pcie3-skylake");
        assertTrue(MemoryTier.ids().contains("host-pcie3-skylake"), MemoryTier.ids().toString());
        // PCIe 3.0 x16 (Quadro RTX 6000 datasheet): 8 GT/s x 16 lanes x 128/130 / 8 bits = 15.754 GB/s each way
        double pcie3 = 8e9 * 16 * 128.0 / 130.0 / 8 / 1e9;
        assertEquals(15.75, t.bandwidthGBps(), 1e-12);
        assertEquals(pcie3, t.bandwidthGBps(), 0.01);
        // two Skylake-SP sockets x 6 DDR4-2666 channels x 8 bytes = 255.94 GB/s
        double ddr = 2 * 6 * 2666e6 * 8 / 1e9;
        assertEquals(255.9, t.hostCpuMemoryGBps().getAsDouble(), 1e-12);
        assertEquals(ddr, t.hostCpuMemoryGBps().getAsDouble(), 0.05);
        // 48 cores x 2 AVX-512 FMA units x 16 fp32 lanes x 2 FLOP x 2.1 GHz = 6.4512 TFLOP/s
        double avx512 = 48 * 2 * 16 * 2 * 2.1e9 / 1e12;
        assertEquals(6.45, t.hostCpuTflops().getAsDouble(), 1e-12);
        assertEquals(avx512, t.hostCpuTflops().getAsDouble(), 0.005);
        assertEquals(6.0, t.latencyUs(), 1e-12);
        assertEquals(1536, t.capacityGB(), 1e-12);
        // the link is a quarter of the DGX H100 host tier's PCIe 5.0 (63 GB/s), the CPU's DRAM 3.3x its per-GPU share
        MemoryTier dgx = MemoryTier.load("host");
        assertEquals(4.0, dgx.bandwidthGBps() / t.bandwidthGBps(), 0.001);
    }
}
