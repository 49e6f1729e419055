package io.moesim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.model.Routing;
import io.moesim.sim.serving.LengthSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Run settings parsed once, where they are given: the text kept as written, the value typed, errors naming the flag or key. */
@Tag("fast")
class ParsedTest {
    private static String message(Executable e) {
        return assertThrows(MoesimException.class, e).getMessage();
    }

    @Test
    void theTextIsKeptAsWrittenBesideItsValue() {
        Parsed<Routing> zipf = Parsed.routing("zipf:1.20", "--routing");
        assertEquals("zipf:1.20", zipf.text());
        assertEquals(new Routing.Zipf(1.2), zipf.value());
        assertEquals(Parsed.routing("zipf:1.20", "routing"), zipf); // equal when the texts are
        assertEquals(Routing.UNIFORM, Parsed.routing("uniform", "routing").value());
        assertEquals(new LengthSpec.Gaussian(0.1), Parsed.lengths("gaussian", "--lengths").value()); // plain gaussian: sigma 10%
        assertEquals(new LengthSpec.Gaussian(0.25), Parsed.lengths("gaussian:0.25", "--lengths").value());
        assertEquals(DType.FP8_E4M3, Parsed.dtype("fp8", "--kv-dtype"));
        assertEquals(DType.BF16, Parsed.dtype("bfloat16", "dtype"));
        assertNull(Parsed.dtype(null, "--dtype")); // none given: the model's
    }

    @Test
    void errorsNameTheFlagOrKey() {
        assertTrue(message(() -> Parsed.routing("zipf:x", "--routing")).startsWith("--routing: "));
        assertTrue(message(() -> Parsed.routing("roundrobin", "base.routing")).startsWith("base.routing: unknown routing 'roundrobin'"));
        assertTrue(message(() -> Parsed.lengths("no/such/file.txt", "--lengths")).startsWith("--lengths: "));
        assertTrue(message(() -> Parsed.dtype("fp7", "--kv-dtype")).startsWith("--kv-dtype: unknown dtype 'fp7'"));
    }

    @Test
    void aRequestsRunSettingsAreItsRunSpecs() {
        // the builder's String setters parse at once (the error is at the setter, before build)
        assertTrue(message(() -> SimulationRequest.builder("mixtral-8x7b", "h100x1").routing("zipf:x")).startsWith("routing: "));
        assertTrue(message(() -> SimulationRequest.builder("mixtral-8x7b", "h100x1").kvDtype("fp7")).startsWith("kv_dtype: "));
        SimulationRequest r = SimulationRequest.builder("mixtral-8x7b", "h100x1").routing("zipf:1.2").lengths(100, 10).requests(4).build();
        RunSpec same = RunSpec.builder("mixtral-8x7b", "h100x1").routing("zipf:1.2").lengths(100, 10).requests(4).build();
        assertEquals(same, r.run()); // no defaults of its own: the builder's unset settings are the RunSpec's
        assertEquals(64, r.batch()); // closed loop of 64 when neither a batch nor a rate is given (RunSpec.DEFAULT_BATCH)
        assertEquals(r, r.toBuilder().build());
        assertEquals(r.run(), SimulationRequest.builder(r.run()).costModel(r.costModel()).build().run());
        SimulationRequest open = r.toBuilder().qps(2.5).build();
        assertEquals(0, open.batch());
        assertEquals(2.5, open.qps());
        // a setting out of range fails at build, naming it
        assertEquals("requests: must be > 0, got 0", message(() -> SimulationRequest.builder("mixtral-8x7b", "h100x1").requests(0).build()));
    }
}
