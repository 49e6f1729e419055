package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        KernelSimulator first = new KernelSimulator(new KernelStore(dir, "b1", warnings::add));
        List<OpEstimate> a = estimateAll(first, H100);
        assertEquals(3, first.simulations());
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
        KernelSimulator first = new KernelSimulator(new KernelStore(dir, "b1", warnings::add));
        String plan = compileDecode(first);
        assertTrue(first.simulations() > 0);
        KernelSimulator second = new KernelSimulator(new KernelStore(dir, "b1", warnings::add));
        assertEquals(plan, compileDecode(second));
        assertEquals(0, second.simulations(), "every kernel estimate of the second compile comes from the store");
        assertEquals(plan, compileDecode(new KernelSimulator()), "and the plan is the one made without a store");
        assertEquals(List.of(), warnings);
    }

    @Test
    void anotherBuildOrAChangedSpecMisses() {
        estimateAll(new KernelSimulator(new KernelStore(dir, "b1", w -> { })), H100);
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

    @Test
    void aCorruptFileIsIgnoredWithAWarningNeverAWrongAnswer() throws IOException {
        List<OpEstimate> truth = estimateAll(new KernelSimulator(new KernelStore(dir, "b1", w -> { })), H100);
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".est")).sorted().toList();
        }
        assertEquals(3, files.size());
        Files.writeString(files.get(0), "moesim-kernel-estimate\tv1\ngarbage");            // truncated
        String text = Files.readString(files.get(1));
        Files.writeString(files.get(1), text.replaceFirst("\t[0-9.E-]+\t", "\tNaN-ish\t")); // a figure mangled
        List<String> warnings = new ArrayList<>();
        KernelSimulator again = new KernelSimulator(new KernelStore(dir, "b1", warnings::add));
        assertEquals(truth, estimateAll(again, H100));
        assertEquals(2, again.simulations(), "the two corrupt entries are simulated again");
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("corrupt"), warnings.get(0));
        // rewritten whole: a third run reads all three
        KernelSimulator third = new KernelSimulator(new KernelStore(dir, "b1", warnings::add));
        estimateAll(third, H100);
        assertEquals(0, third.simulations());
    }

    @Test
    void aSignatureWithLineBreaksAndTabsRoundTrips() {
        List<String> warnings = new ArrayList<>();
        OpEstimate e = estimateAll(new KernelSimulator(), H100).get(1);
        String sig = "op|a\nb\tc\\n|spec";
        new KernelStore(dir, "b1", warnings::add).save(42, sig, e);
        assertEquals(e, new KernelStore(dir, "b1", warnings::add).load(42, sig).orElseThrow());
        assertTrue(new KernelStore(dir, "b1", warnings::add).load(42, "op|a\\nb\tc\\n|spec").isEmpty(), "escaped text is another signature");
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
        assertEquals(Path.of("/x/y/v1-b"), KernelStore.fromEnvironment(Map.of("MOESIM_KERNEL_CACHE", "/x/y"), "/home/u", "b", w -> { })
                .orElseThrow().folder());
        assertEquals(Path.of("/home/u/.cache/moesim/kernels/v1-b"), KernelStore.fromEnvironment(Map.of(), "/home/u", "b", w -> { })
                .orElseThrow().folder());
        assertEquals(Path.of("/c/moesim/kernels/v1-b"), KernelStore.fromEnvironment(Map.of("XDG_CACHE_HOME", "/c"), "/home/u", "b", w -> { })
                .orElseThrow().folder());
    }

    /** The read's comparison without building the escaped text agrees with building it, on random texts of the escaped characters. */
    @Test
    void escapeComparisonAgreesWithEscaping() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(16);
        String alphabet = "ab\\\n\r\tnrt|";
        int equal = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder a = new StringBuilder();
            for (int k = rnd.nextInt(8); k > 0; k--) {
                a.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            String s = a.toString();
            String escaped;
            if (rnd.nextBoolean()) {
                escaped = KernelStore.escape(s);
            } else {
                StringBuilder b = new StringBuilder();
                for (int k = rnd.nextInt(12); k > 0; k--) {
                    b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                }
                escaped = b.toString();
            }
            boolean truth = escaped.equals(KernelStore.escape(s));
            assertEquals(truth, KernelStore.isEscapeOf(escaped, s), "'" + escaped + "' vs '" + s + "'");
            equal += truth ? 1 : 0;
        }
        assertTrue(equal > 5_000 && equal < 15_000, "both answers met: " + equal);
    }
}
