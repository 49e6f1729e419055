package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.sweep.testing.Specs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Tag("slow")
class SweepSpecsTest {

    private static SweepSpec parse(String yaml) {
        return SweepSpecs.parse(yaml, "s.yaml", "s");
    }

    @Test
    void cartesianProductHasLastAxisFastestAndStableIds() {
        SweepSpec s = parse(Specs.grid64(0));
        List<SweepPoint> pts = PointSet.expand(s);
        assertEquals(64, pts.size());
        assertEquals(Map.of("a", 1L, "b", 0.5, "c", "x"), pts.get(0).axes());
        assertEquals(Map.of("a", 1L, "b", 0.5, "c", "y,z"), pts.get(1).axes());
        assertEquals(Map.of("a", 4L, "b", 3.5, "c", "v"), pts.get(63).axes());
        assertEquals(List.of("a", "b", "c"), s.axisKeys());
        for (int i = 0; i < pts.size(); i++) {
            assertEquals(i, pts.get(i).index());
        }
        assertEquals(64, pts.stream().map(SweepPoint::id).distinct().count());
        // The id depends on the values, not on the order the axes are written in.
        Map<String, Object> ab = new java.util.LinkedHashMap<>();
        ab.put("a", 1L);
        ab.put("b", 0.5);
        Map<String, Object> ba = new java.util.LinkedHashMap<>();
        ba.put("b", 0.5);
        ba.put("a", 1L);
        assertEquals(SweepPoint.idOf(ab), SweepPoint.idOf(ba));
        assertNotEquals(SweepPoint.idOf(Map.of("a", 1L)), SweepPoint.idOf(Map.of("a", 1.0)));
    }

    @Test
    void explicitPointsKeepTheirOrder() {
        SweepSpec s = parse("""
                base: {model: m}
                points:
                  - {batch: 64, duplex.logic_pim.tsv_multiplier: 2}
                  - {batch: 32, duplex.logic_pim.tsv_multiplier: 8}
                """);
        List<SweepPoint> pts = PointSet.expand(s);
        assertEquals(2, pts.size());
        assertEquals(64L, pts.get(0).axes().get("batch"));
        assertEquals(List.of("batch", "duplex.logic_pim.tsv_multiplier"), s.axisKeys());
        assertEquals("s", s.name());
        assertTrue(s.metrics().isEmpty());
    }

    @Test
    void fingerprintIgnoresFormattingButNotContent() {
        String a = "base: {model: m, system: x}\naxes: {batch: [1, 2]}\nmetrics: [t]\n";
        String b = "# a comment\nbase:\n  system: x\n  model: m\naxes:\n  batch:\n    - 1\n    - 2\nmetrics: [t]\n";
        assertEquals(parse(a).fingerprint(), parse(b).fingerprint());
        assertNotEquals(parse(a).fingerprint(), parse(a.replace("[1, 2]", "[1, 3]")).fingerprint());
        assertNotEquals(parse(a).fingerprint(), parse(a.replace("[1, 2]", "[2, 1]")).fingerprint());
        assertNotEquals(parse(a).fingerprint(), parse(a.replace("[t]", "[t, u]")).fingerprint());
        assertNotEquals(parse(a).fingerprint(), parse(a.replace("model: m", "model: n")).fingerprint());
    }

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                Arguments.of("axes: {a: [1]}\nfoo: 1", "s.yaml: foo: unknown key"),
                Arguments.of("base: {}", "s.yaml: axes: missing: give axes or points"),
                Arguments.of("axes: {a: [1]}\npoints: [{a: 1}]", "s.yaml: points: give axes"),
                Arguments.of("axes: {a: [1, 2, 1]}", "s.yaml: axes.a[2]: repeats the value 1"),
                Arguments.of("axes: {a: []}", "s.yaml: axes.a: an axis needs at least one value"),
                Arguments.of("axes: {a: [[1]]}", "s.yaml: axes.a[0]: expected a number, a string or a boolean"),
                Arguments.of("axes: {'a b': [1]}", "s.yaml: axes.a b: bad key path"),
                Arguments.of("points: [{a: 1}, {b: 2}]", "s.yaml: points[1]: has keys [b] but points[0] has [a]"),
                Arguments.of("points: [{a: 1}, {a: 1}]", "s.yaml: points[1]: repeats points[0]"),
                Arguments.of("axes: {a: [1]}\nmetrics: [t, t]", "s.yaml: metrics[1]: repeats 't'"),
                Arguments.of("axes: {a: [1]}\nmetrics: t", "s.yaml: metrics: expected a list"),
                Arguments.of("base: {a: 1}\naxes: {a: [1]}", "s.yaml: base.a: is also an axis"),
                Arguments.of("axes: {a: [1]\n", "s.yaml: line"),
                Arguments.of("- 1", "s.yaml: expected a mapping"));
    }

    @ParameterizedTest
    @MethodSource("badSpecs")
    void badSpecsGiveOneLineNamingFileAndKey(String yaml, String expected) {
        SweepException e = assertThrows(SweepException.class, () -> parse(yaml.replace("\\n", "\n")));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        SweepException e = assertThrows(SweepException.class, () -> SweepSpecs.read(java.nio.file.Path.of("/nonexistent/s.yaml")));
        assertEquals("/nonexistent/s.yaml: no such file", e.getMessage());
    }
}
