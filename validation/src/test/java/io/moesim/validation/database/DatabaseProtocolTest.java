package io.moesim.validation.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The out-of-sample protocol on the committed seeded sample ({@code traces/aiconfigurator}): no fit reads
 * a row it is tested on, a left-out GPU's or a left-out framework's row; and the out-of-sample errors stay
 * under pinned ceilings (set from the run of 2026-12-03 plus a margin; a model change that loses accuracy
 * fails here). The full tables run behind {@code -Dmoesim.database.full=DIR}.
 */
@Tag("slow")
class DatabaseProtocolTest {
    private static List<DbRow> rows;
    private static Map<String, DbFit.Result> fits;

    static Path sample() {
        Path p = Path.of("..", "traces", "aiconfigurator");
        return Files.isDirectory(p) ? p : Path.of("traces", "aiconfigurator");
    }

    @BeforeAll
    static void load() {
        String full = System.getProperty("moesim.database.full");
        rows = full == null || full.isBlank() ? DbTraces.read(sample()) : AicConverter.sample(AicConverter.readAll(Path.of(full)), 2000);
        fits = DbProtocol.fits(rows, new DbModel());
    }

    /** Every row the predicate selects, its latency times 50: a fit that read one would move. */
    private static List<DbRow> corrupt(java.util.function.Predicate<DbRow> which) {
        List<DbRow> out = new ArrayList<>();
        for (DbRow r : rows) {
            out.add(which.test(r) ? r.withUs(r.us() * 50) : r);
        }
        return out;
    }

    @Test
    void noFitReadsATestRowOrAnH200Row() {
        Map<String, DbFit.Result> again = DbProtocol.fits(corrupt(r -> r.split() == DbSplit.TEST || r.gpu().equals("h200")), new DbModel());
        for (String k : fits.keySet()) {
            assertEquals(fits.get(k).profile(), again.get(k).profile(), k);
        }
    }

    @Test
    void noFitReadsItsLeftOutFramework() {
        for (String fw : DbProtocol.FRAMEWORKS) {
            Map<String, DbFit.Result> again = DbProtocol.fits(corrupt(r -> r.framework().equals(fw)), new DbModel());
            assertEquals(fits.get("without-" + fw).profile(), again.get("without-" + fw).profile(), fw);
            for (String other : DbProtocol.FRAMEWORKS) {
                if (!other.equals(fw)) {
                    assertEquals(fits.get(other).profile(), again.get(other).profile(), other + " read " + fw);
                }
            }
        }
    }

    /**
     * MAPE ceilings over rows >= 20 us, per scenario and kind: regression guards at the measured figure plus a margin.
     * Run of 2026-12-03 21:37 UTC (issue 12, op level): attention-decode, moe and all at value + about 3 points
     * (h100 22.2 / 20.3 / 17.4, h200 23.8 / 22.9 / 19.4, leave-framework-out 22.8 / 35.2 / 25.8); the other kinds
     * unchanged from the run of 16:13 UTC (value + about 5 points).
     */
    private static final Map<String, Map<String, Double>> CEILINGS = Map.of(
            "h100-heldback", Map.of("gemm-bf16", 12.0, "gemm-fp8", 22.0, "attention-prefill", 22.0, "attention-decode", 25.0, "moe", 24.0,
                    "quantize", 23.0, "custom-all-reduce", 23.0, "all", 21.0),
            "h200-from-h100", Map.of("gemm-bf16", 14.0, "gemm-fp8", 24.0, "attention-prefill", 24.0, "attention-decode", 27.0, "moe", 26.0,
                    "quantize", 27.0, "custom-all-reduce", 22.0, "all", 23.0),
            "leave-framework-out", Map.of("gemm-bf16", 14.0, "gemm-fp8", 24.0, "attention-prefill", 32.0, "attention-decode", 26.0, "moe", 39.0,
                    "quantize", 68.0, "custom-all-reduce", 22.0, "all", 29.0));

    @Test
    void outOfSampleErrorsStayUnderTheirCeilings() {
        if (System.getProperty("moesim.database.full") != null) {
            return; // the ceilings are the sample's
        }
        DbProtocol.Report r = DbProtocol.run(rows, "sample", List.of());
        for (DbProtocol.Scenario s : r.scenarios()) {
            Map<String, Double> c = CEILINGS.get(s.name());
            for (DbProtocol.Stats st : s.byKind()) {
                Double max = c.get(st.kind());
                if (max != null) {
                    assertTrue(st.mape20Pct() <= max, s.name() + " " + st.kind() + ": MAPE >= 20 us " + st.mape20Pct() + "% above its ceiling " + max + "%");
                }
                if (!st.kind().equals("nccl")) { // NCCL rows: the link model, which no profile changes
                    assertTrue(st.mapePct() < st.idealMapePct(), s.name() + " " + st.kind() + ": the profile must beat the kernel model alone");
                }
            }
        }
    }
}
