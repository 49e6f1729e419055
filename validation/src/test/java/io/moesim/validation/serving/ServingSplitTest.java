package io.moesim.validation.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.validation.trace.Split;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The serving set's split rule and the serving-level fit that reads only its calibration side. */
class ServingSplitTest {
    private static List<ServingRow> published() {
        return ServingSet.read(ServingSet.published(Path.of("..")));
    }

    /** The rule as written: held back when the top bit of FNV-1a("moesim-serving-split-v1|id") is set, recomputed here. */
    @Test
    void theRuleIsTheHashOfTheIdAlone() {
        for (ServingRow r : published()) {
            long h = Split.fnv1a("moesim-serving-split-v1|" + r.id());
            assertEquals(h < 0 ? ServingSplit.HELD_BACK : ServingSplit.CALIBRATION, ServingSplit.of(r), r.id());
        }
        // FNV-1a of the empty string is the offset basis 0xcbf29ce484222325, top bit set
        assertTrue(Split.fnv1a("") < 0);
    }

    /** About half the published rows are held back, and both sides have offline rows of TensorRT-LLM to fit and to test on. */
    @Test
    void aboutHalfIsHeldBack() {
        List<ServingRow> rows = published();
        int held = ServingSplit.heldBack(rows).size();
        int cal = ServingSplit.calibration(rows).size();
        assertEquals(rows.size(), held + cal);
        assertTrue(held >= 0.3 * rows.size() && held <= 0.7 * rows.size(), held + " of " + rows.size());
        for (ServingSplit sp : ServingSplit.values()) {
            List<ServingRow> part = sp == ServingSplit.CALIBRATION ? ServingSplit.calibration(rows) : ServingSplit.heldBack(rows);
            assertTrue(part.stream().filter(r -> r.framework().equals("trtllm") && r.scenario() == ServingRow.Scenario.OFFLINE).count() >= 5,
                    sp.text());
        }
    }

    /** Points on every published offline row whose engine time is exactly a·I + b·S (a = 150 µs, b = 2.5 µs). */
    private static List<ServingFit.Point> exact(List<ServingRow> rows, double heldBackScale) {
        List<ServingFit.Point> out = new ArrayList<>();
        int k = 0;
        for (ServingRow r : rows) {
            if (r.scenario() != ServingRow.Scenario.OFFLINE) {
                continue;
            }
            long iterations = 1000 + 137L * k;
            long seqIters = iterations * (40 + 23L * (k % 7));
            long tokens = 1_000_000 + 1000L * k;
            double engine = 150e-6 * iterations + 2.5e-6 * seqIters;
            double kernel = 10 + k;
            // the measurement that such a row would publish: output tokens over kernel plus engine time
            double measured = tokens / (kernel + engine);
            if (ServingSplit.of(r) == ServingSplit.HELD_BACK) {
                measured *= heldBackScale;
            }
            ServingRow m = new ServingRow(r.id(), r.scenario(), r.framework(), r.frameworkVersion(), r.model(), r.dtype(), r.system(), r.tp(), r.ep(),
                    r.requests(), r.in(), r.out(), r.qps(), r.concurrency(), r.maxBatch(), r.maxNumTokens(), r.kvFraction(),
                    new ServingRow.Measured(measured, OptionalDouble.empty(), OptionalDouble.empty()), r.source(), r.note(), r.file(), r.line());
            out.add(new ServingFit.Point(m, iterations, seqIters, kernel, tokens));
            k++;
        }
        return out;
    }

    /** The fit recovers costs that explain the rows exactly (the rows built from them by hand above). */
    @Test
    void theFitRecoversKnownCosts() {
        Map<String, ServingFit.Result> fits = ServingFit.fit(exact(published(), 1));
        ServingFit.Result t = fits.get("trtllm");
        assertEquals(150.0, t.figures().iterationOverheadUs(), 0.05);
        assertEquals(2.5, t.figures().perSequenceUs(), 0.0005);
        assertTrue(t.mapeAfterPct() < 1e-3 && t.mapeBeforePct() > 1, t.toString());
    }

    /** No fitted figure reads a held-back row: scaling every held-back measurement by 50 moves nothing. */
    @Test
    void heldBackMeasurementsDoNotMoveTheFit() {
        List<ServingRow> rows = published();
        Map<String, ServingFit.Result> plain = ServingFit.fit(exact(rows, 1));
        Map<String, ServingFit.Result> scaled = ServingFit.fit(exact(rows, 50));
        assertEquals(plain, scaled);
        // and the fit does see the calibration rows: scaling those does move it
        List<ServingFit.Point> cal = new ArrayList<>();
        for (ServingFit.Point p : exact(rows, 1)) {
            ServingRow r = p.row();
            double f = ServingSplit.of(r) == ServingSplit.CALIBRATION ? 0.5 : 1;
            cal.add(new ServingFit.Point(new ServingRow(r.id(), r.scenario(), r.framework(), r.frameworkVersion(), r.model(), r.dtype(), r.system(),
                    r.tp(), r.ep(), r.requests(), r.in(), r.out(), r.qps(), r.concurrency(), r.maxBatch(), r.maxNumTokens(), r.kvFraction(),
                    new ServingRow.Measured(r.measured().throughputTokensPerS() * f, OptionalDouble.empty(), OptionalDouble.empty()), r.source(),
                    r.note(), r.file(), r.line()), p.iterations(), p.sequenceIterations(), p.kernelS(), p.outputTokens()));
        }
        assertTrue(!ServingFit.fit(cal).get("trtllm").equals(plain.get("trtllm")));
    }

    /** Costs are never negative: rows already slower than measured fit to none. */
    @Test
    void rowsSlowerThanMeasuredFitToNoCost() {
        List<ServingFit.Point> slow = new ArrayList<>();
        for (ServingFit.Point p : exact(published(), 1)) {
            slow.add(new ServingFit.Point(p.row(), p.iterations(), p.sequenceIterations(), 2 * p.outputTokens() / p.row().measured().throughputTokensPerS(),
                    p.outputTokens()));
        }
        ServingFit.Result t = ServingFit.fit(slow).get("trtllm");
        assertEquals(0.0, t.figures().iterationOverheadUs());
        assertEquals(0.0, t.figures().perSequenceUs());
    }
}
