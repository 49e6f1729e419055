package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Experiment files: their checks (one line naming file and key) and the Duplex file against the paper's table. */
@Tag("fast")
class ExperimentSpecsTest {
    /** A small valid experiment; the bad-file cases edit one line of it. */
    static final String GOOD = """
            experiment: tiny
            title: A tiny experiment
            paper: "Someone et al., 2024"
            source: "a table of the paper"
            base: {dtype: fp16, seed: 0}
            studies:
              - name: thr
                title: Throughput
                setups:
                  - name: Mixtral
                    base: {model: mixtral-8x7b}
                    roles:
                      gpu: {system: h100x4, placement: opb}
                      pim: {system: duplex-x4, placement: coproc}
                    points:
                      - {input_len: 256, output_len: 256}
                    axes:
                      batch: [32, 64]
                ratios:
                  - {name: speedup, metric: throughput_tokens_per_s, numerator: pim, denominator: gpu}
            figures:
              - id: mean
                figure: "PIM / GPU, average"
                paper: "2.0x"
                value: 2.0
                source: "Fig. 9"
                study: thr
                ratio: speedup
                aggregate: mean
            """;

    static ExperimentSpec parse(String yaml) {
        return ExperimentSpecs.parse(yaml, "x.yaml", "x");
    }

    @Test
    void aGoodFileParsesPointsCrossedWithAxes() {
        ExperimentSpec e = parse(GOOD);
        assertEquals("tiny", e.name());
        ExperimentSpec.Setup s = e.studies().get(0).setups().get(0);
        assertEquals(List.of("gpu", "pim"), e.studies().get(0).roles());
        assertEquals(2, s.configurations().size());
        assertEquals(Map.of("input_len", 256L, "output_len", 256L, "batch", 64L), s.configurations().get(1));
        Map<String, Object> want = new LinkedHashMap<>();
        want.put("model", "mixtral-8x7b");
        want.put("system", "duplex-x4");
        want.put("placement", "coproc");
        want.put("input_len", 256L);
        want.put("output_len", 256L);
        want.put("batch", 32L);
        assertEquals(want, s.runKeys(0, "pim"));
        // 2 configurations x 2 roles, all distinct; the experiment's base is the sweep's base
        SweepSpec sweep = Experiments.sweepSpec(e);
        assertEquals(4, sweep.points().size());
        assertEquals(Map.of("dtype", "fp16", "seed", 0L), sweep.base());
    }

    @Test
    void twoStudiesShareARunOnce() {
        String again = """
                  - name: again
                    title: The same runs again
                    setups:
                      - name: Mixtral
                        base: {model: mixtral-8x7b}
                        roles:
                          pim: {system: duplex-x4, placement: coproc}
                          bank: {system: bank-pimx4, placement: coproc}
                        points:
                          - {input_len: 256, output_len: 256, batch: 32}
                """;
        ExperimentSpec e = parse(GOOD.replace("figures:\n", again + "figures:\n"));
        assertEquals(2, e.studies().size());
        // 4 runs of the first study, plus the second study's bank run: its pim run is one of the first study's
        assertEquals(5, Experiments.sweepSpec(e).points().size());
    }

    /** Each bad file is refused with one line that names the file and the key path: {replace, with, message start}. */
    static final String[][] BAD = {
        {"title: A tiny experiment", "titel: A tiny experiment", "x.yaml: titel: unknown key"},
        {"    title: Throughput\n", "    title: Throughput\n    colour: red\n", "x.yaml: studies[0].colour: unknown key"},
        {"{system: h100x4, placement: opb}", "{system: h100x4, placement: opb, bach: 3}", "x.yaml: studies[0].setups[0].roles.gpu.bach: unknown key"},
        {"    source: \"Fig. 9\"\n", "", "x.yaml: figures[0].source: missing"},
        {"    source: \"Fig. 9\"", "    source: \"\"", "x.yaml: figures[0].source: empty"},
        {"batch: [32, 64]", "batch: [32, -64]", "x.yaml: studies[0].setups[0] configuration 1 batch: must be > 0"},
        {"placement: opb}", "placement: fastest}", "x.yaml: studies[0].setups[0].roles.gpu.placement: unknown 'fastest'"},
        {"aggregate: mean", "aggregate: median", "x.yaml: figures[0].aggregate: unknown 'median'"},
        {"ratio: speedup", "ratio: slowdown", "x.yaml: figures[0].ratio: no ratio 'slowdown'"},
        {"denominator: gpu}", "denominator: cpu}", "x.yaml: studies[0].ratios[0].denominator: no role 'cpu'"},
        {"value: 2.0", "value: two", "x.yaml: figures[0].value: expected a finite number"},
        {"base: {dtype: fp16, seed: 0}", "base: {dtype: fp17, seed: 0}", "x.yaml: base.dtype:"},
        {"base: {model: mixtral-8x7b}", "base: {model: mixtral-8x7b, seed: 1}", "x.yaml: studies[0].setups[0].seed: is also in the experiment's base"},
        {"paper: \"Someone et al., 2024\"\n", "", "x.yaml: paper: missing"},
    };

    @Test
    void aBadFileIsOneLineNamingFileAndKey() {
        for (String[] c : BAD) {
            assertTrue(GOOD.contains(c[0]), "the case edits text of GOOD: " + c[0]);
            SweepException e = assertThrows(SweepException.class, () -> parse(GOOD.replace(c[0], c[1])), c[2]);
            assertTrue(e.getMessage().startsWith(c[2]), "expected '" + c[2] + "...', got: " + e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void anUnknownBuiltInOrMissingFileIsOneLine() {
        SweepException e = assertThrows(SweepException.class, () -> ExperimentSpecs.load("no-such-experiment"));
        assertTrue(e.getMessage().startsWith("no-such-experiment: no such file"), e.getMessage());
    }

    /**
     * The paper's configurations, written by hand from /work/shared/reference/duplex.md ("Workloads evaluated": Mixtral,
     * OPT and Llama3 on 1 node x 4 devices, GLaM on 1 x 8, Grok-1 on 2 x 8; batch sizes 32, 64, 128; one H100 per Duplex
     * device), against the shipped experiment file.
     */
    @Test
    void theDuplexFileListsThePapersConfigurations() {
        ExperimentSpec e = ExperimentSpecs.load("duplex");
        ExperimentSpec.Study thr = e.study("throughput");
        // model -> {Duplex system, GPU system}: 1 x 4 = duplex-x4 / h100x4, 1 x 8 = duplex-x8 / h100x8, 2 x 8 = duplex-2x8 / h100x16
        Map<String, List<String>> paper = new LinkedHashMap<>();
        paper.put("Mixtral-8x7B", List.of("duplex-x4", "h100x4"));
        paper.put("GLaM", List.of("duplex-x8", "h100x8"));
        paper.put("Grok-1", List.of("duplex-2x8", "h100x16"));
        paper.put("OPT-66B", List.of("duplex-x4", "h100x4"));
        paper.put("Llama-3-70B", List.of("duplex-x4", "h100x4"));
        assertEquals(paper.size(), thr.setups().size());
        for (ExperimentSpec.Setup s : thr.setups()) {
            List<String> want = paper.get(s.name());
            assertTrue(want != null, "a setup the paper does not list: " + s.name());
            assertEquals(want.get(0), s.roles().get("coproc").get("system"), s.name());
            assertEquals(want.get(0), s.roles().get("opb").get("system"), s.name());
            assertEquals(want.get(1), s.roles().get("gpu").get("system"), s.name());
            TreeSet<Long> batches = new TreeSet<>();
            s.configurations().forEach(c -> batches.add((Long) c.get("batch")));
            assertEquals(new TreeSet<>(List.of(32L, 64L, 128L)), batches, s.name());
            // closed loop, one wave: as many requests as the batch
            s.configurations().forEach(c -> assertEquals(c.get("batch"), c.get("requests")));
        }
        // the subset the reproduction runs (docs/duplex-reproduction.md, Setup): 3 + 2 + 1 + 1 + 1 length pairs x 3 batches
        assertEquals(List.of(9, 6, 3, 3, 3), thr.setups().stream().map(s -> s.configurations().size()).toList());
        // 24 configurations x 3 roles; Bank-PIM 8 configurations whose Duplex runs are throughput's; 6 rates x 2 systems
        assertEquals(72 + 8 + 12, Experiments.sweepSpec(e).points().size());
        assertEquals(List.of(4.0, 8.0, 10.0, 12.0, 14.0, 16.0), e.study("serving").setups().get(0).configurations().stream()
                .map(c -> ((Number) c.get("qps")).doubleValue()).toList());
    }

    /** The headline figures, written by hand from reference/duplex.md ("Headline results"), each with a source. */
    @Test
    void theDuplexFileCarriesThePapersFiguresWithSources() {
        ExperimentSpec e = ExperimentSpecs.load("duplex");
        Map<String, Double> paper = new LinkedHashMap<>();
        paper.put("throughput_mean", 2.07);
        paper.put("throughput_best", 2.67);
        paper.put("no_coproc_best", 2.51);
        paper.put("coproc_gain_mean", 1.04);
        paper.put("energy_mean", 0.2819);
        paper.put("energy_best_mixtral", 0.3328);
        paper.put("energy_best_glam", 0.4203);
        paper.put("energy_best_grok", 0.3459);
        paper.put("bank_mixtral_mean", 1.49);
        paper.put("bank_mixtral_best", 1.80);
        paper.put("saturation_gpu", 9.0);
        paper.put("saturation_duplex", 14.0);
        paper.put("util_moe", 0.11);
        paper.put("util_attention", 0.0206);
        List<String> ids = new ArrayList<>();
        for (ExperimentSpec.Figure f : e.figures()) {
            ids.add(f.id());
            assertFalse(f.source().isBlank(), f.id());
            if (paper.containsKey(f.id())) {
                assertEquals(paper.get(f.id()), f.value(), 1e-12, f.id());
            }
        }
        assertTrue(ids.containsAll(paper.keySet()), ids.toString());
        assertTrue(ids.contains("bank_opt"));
        assertTrue(Double.isNaN(e.figure("bank_opt").value()), "the paper gives no number there, only 'below 1'");
        // the quick subset parses too and is a subset
        ExperimentSpec q = ExperimentSpecs.load("duplex-quick");
        assertTrue(Experiments.sweepSpec(q).points().size() < Experiments.sweepSpec(e).points().size());
    }
}
