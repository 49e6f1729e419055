package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.graph.Graph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutingTest {
    private static final Path EXAMPLE = Path.of("..", "traces", "routing", "example-mixtral-8x7b.trace");

    private static long sum(long[] c) {
        return Arrays.stream(c).sum();
    }

    @Test
    void uniformSpreadsEvenlyRemainderToLowExperts() {
        assertArrayEquals(new long[] {3, 3, 2, 2}, Routing.UNIFORM.counts(4, 2, 5, 0));
        for (long t : new long[] {0, 1, 7, 64, 1000, 4097}) {
            assertEquals(t * 8, sum(Routing.UNIFORM.counts(256, 8, t, 0)));
        }
    }

    @Test
    void zipfIsSeededAndConserves() {
        Routing z = Routing.parse("zipf:1.2");
        long[] a = z.counts(64, 2, 5000, 42);
        long[] b = z.counts(64, 2, 5000, 42);
        long[] c = z.counts(64, 2, 5000, 43);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
        assertEquals(10000, sum(a));
        assertEquals(10000, sum(c));
        long max = Arrays.stream(a).max().getAsLong();
        assertTrue(max > 4 * 10000 / 64, "skewed: the top expert gets far more than the mean");
        assertTrue(Arrays.stream(a).allMatch(x -> x <= 5000), "top-k experts are distinct per token");
        // many picks among few experts (the scan path) and s = 0
        long[] d = new Routing.Zipf(2.0).counts(8, 7, 300, 1);
        assertEquals(2100, sum(d));
        assertTrue(Arrays.stream(d).allMatch(x -> x <= 300));
        assertEquals(800, sum(new Routing.Zipf(0).counts(16, 8, 100, 5)));
    }

    @Test
    void exampleTraceReads() {
        RoutingTrace t = RoutingTrace.read(EXAMPLE);
        assertEquals("Mixtral-8x7B", t.model());
        assertEquals(8, t.experts());
        assertEquals(2, t.topK());
        assertArrayEquals(new long[] {5, 3, 2, 2, 1, 1, 1, 1}, t.layers().get(0));
        assertEquals(8, t.tokens(0));
        assertEquals(16, t.tokens(1));
        assertTrue(t.source().startsWith("synthetic"));
    }

    @Test
    void traceRoutingConservesAndFollowsTheShares() {
        Routing r = Routing.parse("trace:" + EXAMPLE);
        assertInstanceOf(Routing.Trace.class, r);
        for (long tokens : new long[] {1, 3, 16, 64, 999}) {
            assertEquals(tokens * 2, sum(r.counts(8, 2, tokens, 0)));
        }
        // shares averaged over the two layers: expert 0 has 5/16 and 6/32 -> the largest
        long[] c = r.counts(8, 2, 64, 0);
        assertEquals(Arrays.stream(c).max().getAsLong(), c[0]);
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("mixtral"), 64, 256).withRouting(r));
        assertTrue(g.nodeCount() > 0);
        ModelException e = assertThrows(ModelException.class, () -> r.counts(64, 2, 10, 0));
        assertTrue(e.getMessage().contains("trace has 8 experts"), e.getMessage());
    }

    @Test
    void singleLayerTraceAtItsOwnSizeIsReproducedExactly(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("one.trace");
        Files.writeString(p, "#! moesim-routing v1\nmodel m\nsource test\nexperts 4\ntop_k 1\ncounts 7 5 0 2 3\n");
        assertArrayEquals(new long[] {5, 0, 2, 3}, Routing.Trace.load(p).counts(4, 1, 10, 0));
    }

    @Test
    void corruptTraceNamesFileAndLine() {
        Path p = Path.of("src/test/resources/routing/corrupt.trace");
        ModelException e = assertThrows(ModelException.class, () -> RoutingTrace.read(p));
        assertEquals(p + ":7: 9 is out of range [0, 7]", e.getMessage());
    }

    @Test
    void otherCorruptions(@TempDir Path dir) throws IOException {
        String head = "#! moesim-routing v1\nmodel m\nsource s\nexperts 4\ntop_k 2\n";
        assertError(dir, "x 0 1\n", "not a routing trace", 1);
        assertError(dir, head + "token 0 1 1\n", "expert 1 appears twice", 6);
        assertError(dir, head + "token 0 1\n", "expected top_k = 2", 6);
        assertError(dir, head + "counts 0 1 2 3\n", "lists 3 experts", 6);
        assertError(dir, head + "counts 0 1 1 1 0\n", "not a positive multiple of top_k", 6);
        assertError(dir, head + "token 0 0 1\ncounts 0 1 1 0 0\n", "mixes token and counts", 7);
        assertError(dir, head + "bogus\n", "unknown line 'bogus'", 6);
        assertError(dir, "#! moesim-routing v1\nmodel m\nexperts 4\ntop_k 2\ntoken 0 0 1\n", "missing 'source'", 5);
        assertError(dir, head + "token 0 a 1\n", "'a' is not an integer", 6);
        assertThrows(ModelException.class, () -> Routing.parse("trace:" + dir.resolve("absent.trace")));
        assertThrows(ModelException.class, () -> Routing.parse("zipf:x"));
        assertThrows(ModelException.class, () -> Routing.parse("round-robin"));
    }

    private static void assertError(Path dir, String text, String fragment, int line) throws IOException {
        Path p = Files.createTempFile(dir, "t", ".trace");
        Files.writeString(p, text);
        ModelException e = assertThrows(ModelException.class, () -> RoutingTrace.read(p));
        assertTrue(e.getMessage().startsWith(p + ":" + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void apportionSumsExactly() {
        long[] a = Routing.apportion(new double[] {1, 1, 1}, 10);
        assertArrayEquals(new long[] {4, 3, 3}, a);
        assertEquals(1000, sum(Routing.apportion(new double[] {0.1, 0.7, 0.2, 1e-9}, 1000)));
    }
}
