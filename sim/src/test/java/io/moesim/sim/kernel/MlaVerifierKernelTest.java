package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.MlaAttention;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A speculative verifier's absorbed MLA pass under attention DP: DeepSeek-V3's 128 heads on one H800, 88 sequences at
 * about 4,989 keys, k + 1 = 2 query tokens each (256 query rows per sequence, more than one 128-row CTA tile). It does
 * twice the query rows' work over the same keys, so it may cost at most twice the plain decode's time (two tiles per
 * sequence where the plain one has one), never less than it, and reads each sequence's latent KV once.
 */
class MlaVerifierKernelTest {
    private static OpEstimate estimate(long q) {
        DeviceSpec h800 = Systems.load("h800x8").device();
        long batch = 88;
        long kv = 4988 + q;
        MlaAttention op = new MlaAttention(128, 512, 64, 128, 128, batch, q, kv, true, true, DType.FP8_E4M3);
        List<TensorType> in = List.of(TensorType.of(DType.FP8_E4M3, batch * q, 128L * 576), TensorType.of(DType.FP8_E4M3, batch * q, 576));
        return new KernelSimulator().estimate(op, in, h800, h800.primary());
    }

    @Test
    void aTwoTokenVerifierCostsAtMostTwoPlainDecodes() {
        OpEstimate plain = estimate(1);
        OpEstimate verify = estimate(2);
        assertTrue(verify.seconds() >= plain.seconds(), verify.seconds() + " < " + plain.seconds());
        assertTrue(verify.seconds() <= 2.05 * plain.seconds(), "verify " + verify.seconds() * 1e6 + " us vs plain " + plain.seconds() * 1e6 + " us");
        // the latent KV (88 x ~4,990 keys x 576 fp8 bytes = 253 MB) is read once: the bytes grow by one key per sequence and the queries
        assertEquals(plain.breakdown().dramBytes(), verify.breakdown().dramBytes(), 0.06 * plain.breakdown().dramBytes());
        assertEquals(2L * 88, verify.breakdown().tiles(), "two 128-row tiles per sequence");
    }
}
