package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.Targets;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.MatMul;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow")
class KernelStoreTest {
    @TempDir
    Path dir;

    private static final DeviceSpec H100 = Targets.load("h100");

    private static List<OpEstimate> estimateAll(KernelSimulator sim, DeviceSpec d) {
        List<OpEstimate> out = new ArrayList<>();
        for (long m : new long[] {1, 64, 4096}) {
            MatMul op = new MatMul(4096, 14336, DType.BF16);
            List<TensorType> in = List.of(TensorType.of(DType.BF16, m, 4096));
            out.add(sim.estimate(op, in, d, d.primary()));
        }
        return out;
    }

    @Test
    void aSecondRunSimulatesNothingAndGetsTheSameEstimates() {
        List<String> warnings = new ArrayList<>();
        KernelStore store1 = new KernelStore(dir, "b1", warnings::add);
        KernelSimulator first = new KernelSimulator(store1);
        List<OpEstimate> a = estimateAll(first, H100);
        assertEquals(3, first.simulations());
        assertEquals(3, store1.pending());
        store1.flush();
        assertEquals(0, store1.pending());
        KernelStore store2 = new KernelStore(dir, "b1", warnings::add);
        KernelSimulator second = new KernelSimulator(store2);
        List<OpEstimate> b = estimateAll(second, H100);
        assertEquals(0, second.simulations(), "every estimate read back");
        assertEquals(3, store2.hits());
        assertEquals(a, b, "the stored estimates equal the simulated ones, field for field");
        // and the same as a run without any store
        assertEquals(estimateAll(new KernelSimulator(), H100), b);
        assertEquals(List.of(), warnings);
    }

    private static String compileDecode(KernelSimulator sim) {
        io.moesim.hw.SystemSpec sys = io.moesim.hw.Systems.load("duplex-x4");
        var g = io.moesim.ir.model.GraphGenerator.generate(io.moesim.ir.model.GraphRequest.decode(
                io.moesim.ir.model.ModelZoo.get("Mixtral-8x7B").withLayers(2), 64, 1024));
        io.moesim.compiler.CompileOptions d = io.moesim.compiler.CompileOptions.defaults();
        io.moesim.compiler.CompileOptions.Parallelism tp = new io.moesim.compiler.CompileOptions.Parallelism(4, 1, 1, 1);
        io.moesim.compiler.CompileOptions opts = new io.moesim.compiler.CompileOptions(tp, tp, d.placement(), d.expertPlacement(), d.overlap(),
                d.tiles(), null, d.ilpTimeLimitSeconds(), d.seed());
        KernelCostModel cost = new KernelCostModel(sim, io.moesim.compiler.cost.RooflineCostModel.INSTANCE);
        return io.moesim.compiler.Compiler.compile(g, sys, opts, cost).plan().toString();
    }

    @Test
    void aSecondCompileSimulatesNothingAndPlansTheSame() {
        List<String> warnings = new ArrayList<>();
        KernelStore store1 = new KernelStore(dir, "b1", warnings::add);
        KernelSimulator first = new KernelSimulator(store1);
        String plan = compileDecode(first);
        assertTrue(first.simulations() > 0);
        store1.flush();
        KernelSimulator second = new KernelSimulator(new KernelStore(dir, "b1", warnings::add));
        assertEquals(plan, compileDecode(second));
        assertEquals(0, second.simulations(), "every kernel estimate of the second compile comes from the store");
        assertEquals(plan, compileDecode(new KernelSimulator()), "and the plan is the one made without a store");
        assertEquals(List.of(), warnings);
    }

    @Test
    void anotherBuildOrAChangedSpecMisses() {
        KernelStore b1 = new KernelStore(dir, "b1", w -> { });
        estimateAll(new KernelSimulator(b1), H100);
        b1.flush();
        KernelSimulator otherBuild = new KernelSimulator(new KernelStore(dir, "b2", w -> { }));
        estimateAll(otherBuild, H100);
        assertEquals(3, otherBuild.simulations());
        // one spec figure changed: its full text differs, so nothing is served from the old spec
        DeviceSpec faster = Targets.load("h100", List.of("memory.data_rate_Gbps=6.4", "memory.hbm_bandwidth_GBps=4096"));
        KernelSimulator changed = new KernelSimulator(new KernelStore(dir, "b1", w -> { }));
        List<OpEstimate> c = estimateAll(changed, faster);
        assertEquals(3, changed.simulations());
        assertEquals(estimateAll(new KernelSimulator(), faster), c);
    }

    private List<Path> packs() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".pack")).sorted().toList();
        }
    }

    /** One run's pack with its second entry's first figure replaced, the run's estimates, and what a later store warned. */
    private record Damaged(Path pack, String text, List<OpEstimate> truth, List<String> laterWarnings) {
    }

    /**
     * Writes one run's pack, puts {@code figure} in place of its second entry's first figure, and checks that the next
     * store answers right, simulates that entry again with one warning naming it corrupt, and stores it afresh, so a
     * third store simulates nothing.
     */
    private Damaged damageSecondEntry(String figure) throws IOException {
        KernelStore s1 = new KernelStore(dir, "b1", w -> { });
        List<OpEstimate> truth = estimateAll(new KernelSimulator(s1), H100);
        s1.flush();
        List<Path> files = packs();
        assertEquals(1, files.size(), "one run, one spec: one pack");
        Path first = files.get(0);
        String text = Files.readString(first);
        int v = text.indexOf("\nV\t", text.indexOf("\nV\t") + 1); // the second entry's figures
        Files.writeString(first, text.substring(0, v) + text.substring(v).replaceFirst("\t[0-9.E-]+\t", "\t" + figure + "\t"));
        List<String> warnings = new ArrayList<>();
        KernelStore s2 = new KernelStore(dir, "b1", warnings::add);
        KernelSimulator again = new KernelSimulator(s2);
        assertEquals(truth, estimateAll(again, H100));
        assertEquals(1, again.simulations(), "the damaged entry is simulated again, the others read");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("corrupt"), warnings.get(0));
        s2.flush();
        List<String> later = new ArrayList<>();
        KernelSimulator third = new KernelSimulator(new KernelStore(dir, "b1", later::add));
        assertEquals(truth, estimateAll(third, H100));
        assertEquals(0, third.simulations(), "the fresh estimate was written to a pack of its own and is used");
        return new Damaged(first, text, truth, later);
    }

    /** Figures are parsed when used: one that passes the read's character check but is no number is found then. */
    @Test
    void anEntryWhoseFiguresDoNotParseIsSimulatedAgainWhenUsedAndReplaced() throws IOException {
        Damaged d = damageSecondEntry("1.2.3");
        assertEquals(List.of(), d.laterWarnings(), "the replaced entry is not used, so not warned of again");
    }

    @Test
    void theReadsCheckRefusesWhatFormatNeverWrites() {
        String good = "gemm\t1.5\t10\t20\t0.5\t1.0E-3\t2.0\t-0.0\tmemory\tsm\t1.0\t2.0\t3.0\t4.0\t5\t6\t7\t128x128\t0.9\t0.0\t1980.0\tfalse";
        KernelStore.checkFigures(good);
        for (String bad : List.of(good.replace("\t1.5\t", "\tNaN\t"), good.replace("\t1.5\t", "\tInfinity\t"),
                good.replace("\t1.5\t", "\t\t"), good.replace("\tfalse", "\tmaybe"), good + "\textra", good.substring(0, good.lastIndexOf('\t')))) {
            assertThrows(IllegalArgumentException.class, () -> KernelStore.checkFigures(bad), bad);
        }
    }

    @Test
    void aCorruptPackIsIgnoredWithAWarningNeverAWrongAnswer() throws IOException {
        Damaged d = damageSecondEntry("NaN-ish");
        Path first = d.pack();
        String text = d.text();
        List<OpEstimate> truth = d.truth();
        // a pack cut short is not used at all
        Files.writeString(first, text.substring(0, text.length() / 2));
        List<String> warnings = new ArrayList<>();
        KernelSimulator fourth = new KernelSimulator(new KernelStore(dir, "b1", warnings::add));
        assertEquals(truth, estimateAll(fourth, H100));
        assertEquals(2, fourth.simulations());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("not a whole"), warnings.get(0));
    }

    @Test
    void manyPacksAreMergedIntoOneWhenRead() throws IOException {
        OpEstimate e = estimateAll(new KernelSimulator(), H100).get(1);
        String spec = "s".repeat(300) + "|" + "m\n".repeat(200);
        int most = 0;
        for (int i = 0; i < KernelStore.COMPACT_AT + 4; i++) {
            KernelStore s = new KernelStore(dir, "b1", w -> { });
            String sig = "op" + i + "|[in]|" + spec;
            s.save(KernelCache.fingerprint(sig), "op" + i + "|[in]", spec, e); // reads the shard first, as a run does
            s.flush();
            most = Math.max(most, packs().size());
            if (i == KernelStore.COMPACT_AT) {
                assertEquals(KernelStore.COMPACT_AT + 1, packs().size(), "one pack per flush, all in the specs' shard");
            }
        }
        assertEquals(KernelStore.COMPACT_AT + 1, most);
        assertEquals(4, packs().size(), "the 17 packs were merged into one when the 18th writer read them");
        List<String> warnings = new ArrayList<>();
        KernelStore reader = new KernelStore(dir, "b1", warnings::add);
        for (int i = 0; i < KernelStore.COMPACT_AT + 4; i++) {
            String sig = "op" + i + "|[in]|" + spec;
            assertEquals(e, reader.load(KernelCache.fingerprint(sig), "op" + i + "|[in]", spec).orElseThrow());
        }
        KernelStore after = new KernelStore(dir, "b1", warnings::add);
        for (int i = 0; i < KernelStore.COMPACT_AT + 4; i++) {
            String sig = "op" + i + "|[in]|" + spec;
            assertEquals(e, after.load(KernelCache.fingerprint(sig), "op" + i + "|[in]", spec).orElseThrow());
        }
        assertTrue(after.load(KernelCache.fingerprint("op0|[in]|" + spec), "op0|[in]", spec + "x").isEmpty(), "other specs");
        assertTrue(after.load(KernelCache.fingerprint("op0|[in]|" + spec), "op1|[in]", spec).isEmpty(), "another op under the key");
        assertEquals(List.of(), warnings);
    }

    @Test
    void concurrentWritersLoseNothing() throws Exception {
        OpEstimate e = estimateAll(new KernelSimulator(), H100).get(1);
        String spec = "s\ts".repeat(200);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int tt = t;
            threads.add(new Thread(() -> {
                for (int r = 0; r < 10; r++) {
                    KernelStore s = new KernelStore(dir, "b1", w -> { });
                    String sig = "op" + tt + "-" + r + "|" + spec;
                    s.load(KernelCache.fingerprint(sig), "op" + tt + "-" + r, spec); // reads (and may merge) as a run does
                    s.save(KernelCache.fingerprint(sig), "op" + tt + "-" + r, spec, e);
                    s.flush();
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        KernelStore reader = new KernelStore(dir, "b1", w -> { });
        int found = 0;
        for (int t = 0; t < 4; t++) {
            for (int r = 0; r < 10; r++) {
                String sig = "op" + t + "-" + r + "|" + spec;
                found += reader.load(KernelCache.fingerprint(sig), "op" + t + "-" + r, spec).isPresent() ? 1 : 0;
            }
        }
        assertEquals(40, found, "every estimate written by four concurrent writers is read back");
    }

    /**
     * A lookup compares the specs by the shard's shared text: an equal text in another String instance (as each run
     * builds its own) hits, in this process and after a flush; another text under the same key misses.
     */
    @Test
    void equalSpecsInAnotherInstanceHitAndOtherSpecsUnderTheSameKeyMiss() {
        KernelStore store = new KernelStore(dir, "b1", w -> { });
        String specs = "processor: x\nmemory: y";
        OpEstimate e = estimateAll(new KernelSimulator(), H100).get(0);
        long key = KernelCache.key("matmul 1x2", KernelCache.fingerprint(specs));
        store.save(key, "matmul 1x2", specs, e);
        String again = new String(specs.toCharArray()); // another instance of the same text
        assertEquals(java.util.Optional.of(e), store.load(key, "matmul 1x2", again));
        assertEquals(java.util.Optional.of(e), store.load(key, "matmul 1x2", again, KernelCache.fingerprint(again)));
        assertEquals(java.util.Optional.empty(), store.load(key, "matmul 1x2", specs + " "), "other specs under the same key");
        store.flush();
        KernelStore reread = new KernelStore(dir, "b1", w -> { });
        assertEquals(java.util.Optional.of(e), reread.load(key, "matmul 1x2", new String(specs.toCharArray())));
        assertEquals(java.util.Optional.empty(), reread.load(key, "matmul 1x3", specs), "another op under the same key");
    }

    @Test
    void aSignatureWithLineBreaksAndTabsRoundTrips() {
        List<String> warnings = new ArrayList<>();
        OpEstimate e = estimateAll(new KernelSimulator(), H100).get(1);
        String op = "op|a\nb\tc\\n";
        String spec = "spec\\\n\r\t|x";
        KernelStore w1 = new KernelStore(dir, "b1", warnings::add);
        w1.save(42, op, spec, e);
        w1.flush();
        assertEquals(e, new KernelStore(dir, "b1", warnings::add).load(42, op, spec).orElseThrow());
        assertTrue(new KernelStore(dir, "b1", warnings::add).load(42, "op|a\\nb\tc\\n", spec).isEmpty(), "escaped text is another signature");
        assertTrue(new KernelStore(dir, "b1", warnings::add).load(42, op, "spec\\\\n\r\t|x").isEmpty(), "escaped specs are other specs");
        assertEquals(List.of(), warnings);
    }

    record Spec(String name, Map<DType, Double> macs) {
    }

    @Test
    void specTextDoesNotDependOnMapOrder() {
        Map<DType, Double> a = new java.util.LinkedHashMap<>();
        a.put(DType.BF16, 1024.0);
        a.put(DType.FP8_E4M3, 2048.0);
        Map<DType, Double> b = new java.util.LinkedHashMap<>();
        b.put(DType.FP8_E4M3, 2048.0);
        b.put(DType.BF16, 1024.0);
        assertTrue(!new Spec("x", a).toString().equals(new Spec("x", b).toString()), "toString follows insertion order");
        assertEquals(SpecText.of(new Spec("x", a)), SpecText.of(new Spec("x", b)));
        b.put(DType.BF16, 1000.0);
        assertTrue(!SpecText.of(new Spec("x", a)).equals(SpecText.of(new Spec("x", b))), "a changed figure changes the text");
    }

    @Test
    void theEnvironmentPicksTheFolderOrTurnsTheStoreOff() {
        assertTrue(KernelStore.fromEnvironment(Map.of("MOESIM_KERNEL_CACHE", "off"), "/home/u", "b", w -> { }).isEmpty());
        assertEquals(Path.of("/x/y/v2-b"), KernelStore.fromEnvironment(Map.of("MOESIM_KERNEL_CACHE", "/x/y"), "/home/u", "b", w -> { })
                .orElseThrow().folder());
        assertEquals(Path.of("/home/u/.cache/moesim/kernels/v2-b"), KernelStore.fromEnvironment(Map.of(), "/home/u", "b", w -> { })
                .orElseThrow().folder());
        assertEquals(Path.of("/c/moesim/kernels/v2-b"), KernelStore.fromEnvironment(Map.of("XDG_CACHE_HOME", "/c"), "/home/u", "b", w -> { })
                .orElseThrow().folder());
    }

    /** Unescaping inverts escaping, and an escaped text is unescaped back to itself or refused, on random texts of the escaped characters. */
    @Test
    void unescapeInvertsEscape() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(16);
        String alphabet = "ab\\\n\r\tnrt|";
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder a = new StringBuilder();
            for (int k = rnd.nextInt(12); k > 0; k--) {
                a.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            String s = a.toString();
            assertEquals(s, KernelStore.unescape(KernelStore.escape(s)));
            if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0 || s.indexOf('\t') >= 0) {
                continue; // not a text escape() makes
            }
            try {
                assertEquals(s, KernelStore.escape(KernelStore.unescape(s)), "'" + s + "'");
            } catch (IllegalArgumentException e) {
                refused++;
            }
        }
        assertTrue(refused > 100, "texts with a bad escape were met: " + refused);
    }
}
