package io.moesim.sim.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Parallelism;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.DerivedFigures;
import io.moesim.hw.LinkSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.op.AllToAll;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.Send;
import io.moesim.sim.kernel.KernelCostModel;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code --overlap fused} (FlashMoE): the schedule, its bounds, and its weak-scaling figure. */
class FusedMoeTest {
    static final KernelCostModel KERNEL = new KernelCostModel();

    static HardwarePlan plan(SystemSpec sys, MoeWeakScaling.Shape s, Overlap o, CostModel cm) {
        int n = sys.devices();
        var g = MoeWeakScaling.layer(s.expertsPerDevice() * n, s.topK(), s.tokensPerDevice() * n, s.hidden(), s.ffn(), s.dtype());
        CompileOptions opts = new CompileOptions(new Parallelism(1, 1, n, 1), new Parallelism(1, n, 1, 1), CompileOptions.Placement.OPB,
                CompileOptions.ExpertPlacement.RR, o, 4, null, 10.0, 0L);
        return Compiler.compile(g, sys, opts, cm).plan();
    }

    static ExecutionResult run(SystemSpec sys, HardwarePlan p, CostModel cm) {
        return PlanExecutor.run(new PreparedPlan(p, sys, new TaskTimer(cm, sys.device()), new CollectiveModel(sys, CollectiveAlgorithm.AUTO)));
    }

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("h100x2", new MoeWeakScaling.Shape(8, 2, 256, 2048, 1024, DType.BF16)),
                Arguments.of("h100x4", new MoeWeakScaling.Shape(8, 8, 128, 7168, 2048, DType.BF16)),
                Arguments.of("h100x8", new MoeWeakScaling.Shape(32, 8, 128, 7168, 2048, DType.BF16)),
                Arguments.of("h100x8", new MoeWeakScaling.Shape(32, 8, 2048, 7168, 2048, DType.BF16)),
                Arguments.of("h100x8", new MoeWeakScaling.Shape(4, 4, 4096, 4096, 1024, DType.BF16)),
                Arguments.of("mi300x8", new MoeWeakScaling.Shape(8, 4, 1024, 4096, 2048, DType.BF16)));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void fusedIsNeverSlowerThanSeparateKernelsWhenCommunicationCosts(String system, MoeWeakScaling.Shape s) {
        SystemSpec sys = Systems.load(system);
        long fused = run(sys, plan(sys, s, Overlap.FUSED, KERNEL), KERNEL).makespanPs();
        for (Overlap o : new Overlap[] {Overlap.NONE, Overlap.LAYER, Overlap.TILE}) {
            long sep = run(sys, plan(sys, s, o, KERNEL), KERNEL).makespanPs();
            assertTrue(fused <= sep, system + " " + s + ": fused " + fused + " ps > " + o + " " + sep + " ps");
        }
    }

    @Test
    void tilesWaitOnlyForTheirOwnTokensOverOneSidedPuts() {
        // 32 experts round-robin over 4 GPUs (rank j holds j, j+4, ..., j+28), top-2 uniform over 1024 tokens: 64 copies per
        // expert. GPU s's shard of copies is the block of experts 8s..8s+7. Fused tiles deal a rank's experts in turn, so
        // rank j's tile i is {j+4i, j+4i+16}: its tokens come from GPUs (j+4i)/8 and (j+4i+16)/8, 64 rows from each.
        SystemSpec sys = Systems.load("h100x4");
        HardwarePlan p = plan(sys, new MoeWeakScaling.Shape(8, 2, 256, 1024, 512, DType.BF16), Overlap.FUSED, RooflineCostModel.INSTANCE);
        Pattern tile = Pattern.compile("\\.t(\\d+)");
        int gemms = 0;
        long putRows = 0;
        for (Task t : p.tasks()) {
            assertFalse(t.op() instanceof AllToAll, "no bulk-synchronous all-to-all in a fused plan: " + t.name());
            if (t.op() instanceof Send s) {
                assertEquals(2, t.group().size());
                assertEquals(s.peer(), t.group().getInt(1));
                assertEquals(64, t.inputs().get(0).shape().dim(0), t.name());
                putRows += t.inputs().get(0).shape().dim(0);
            }
            if (t.op() instanceof ExpertFfn) {
                gemms++;
                Matcher m = tile.matcher(t.name());
                assertTrue(m.find(), t.name());
                int mine = Integer.parseInt(m.group(1));
                java.util.Set<Integer> from = new java.util.TreeSet<>();
                for (int i = 0; i < t.deps().size(); i++) {
                    Task d = p.tasks().get(t.deps().getInt(i));
                    Matcher dm = tile.matcher(d.name());
                    assertTrue(dm.find() && Integer.parseInt(dm.group(1)) == mine, t.name() + " waits for " + d.name());
                    if (d.op() instanceof Send s) {
                        assertEquals(t.device(), s.peer(), "a GEMM waits only for puts into its own device");
                        from.add(d.device());
                    }
                }
                int j = t.device();
                java.util.Set<Integer> expected = new java.util.TreeSet<>(java.util.List.of((j + 4 * mine) / 8, (j + 4 * mine + 16) / 8));
                expected.remove(j);
                assertEquals(expected, from, t.name() + " on GPU " + j);
            }
        }
        assertEquals(4 * 4, gemms, "4 devices x 4 tiles");
        // conservation: each GPU puts 3/4 of its 512 copies out, and as many rows come back
        assertEquals(2 * 4 * 384, putRows);
    }

    /** NVLink with no latency, no per-message overhead and (for all purposes) infinite bandwidth. */
    static SystemSpec freeLinks(SystemSpec s) {
        LinkSpec l = s.intraNodeLink();
        LinkSpec free = new LinkSpec(l.id(), l.name(), l.kind(), l.linksPerDevice(), 1e15, 0, 0, OptionalDouble.empty(), OptionalDouble.empty(),
                false, OptionalDouble.empty());
        return new SystemSpec(s.id(), s.name(), s.origin(), s.device(), s.devicesPerNode(), s.nodes(), free, s.intraNodeTopology(),
                s.interNodeLink(), s.interNodeTopology(), s.hostLink());
    }

    @Test
    void withFreeLinksFusedEqualsTheComputeOnlyBound() {
        // roofline tasks (no launch). The compute-only bound of the layer: the busiest device's compute with separate,
        // untiled kernels (router, dispatch, expert GEMMs, combine), each timed alone, no communication at all. With free
        // links the fused kernel has no idle gap and its tiles together do the untiled work, so it meets that bound.
        SystemSpec sys = freeLinks(Systems.load("h100x2"));
        MoeWeakScaling.Shape s = new MoeWeakScaling.Shape(2, 1, 4096, 1024, 1024, DType.BF16);
        CostModel rf = RooflineCostModel.INSTANCE;
        long makespan = run(sys, plan(sys, s, Overlap.FUSED, rf), rf).makespanPs();
        HardwarePlan separate = plan(sys, s, Overlap.LAYER, rf);
        double[] compute = new double[2];
        double gemmS = 0;
        for (Task t : separate.tasks()) {
            if (!t.isTransfer()) {
                double sec = rf.seconds(t.op(), t.inputs(), sys.device(), sys.device().processors().get(t.processor()));
                compute[t.device()] += sec;
                if (t.op() instanceof ExpertFfn && t.device() == 0) {
                    gemmS += sec;
                }
            }
        }
        double bound = Math.max(compute[0], compute[1]) * 1e12;
        assertEquals(bound, makespan, bound * 1e-3, "fused with free links vs compute-only bound (0.1%)");
        // by hand: device 0's experts receive 4096 token copies (2 experts x 2048, top-1 uniform over 4 experts of 8192 tokens),
        // SwiGLU is 3 matmuls of 1024 x 1024: 2 x 3 x 1024 x 1024 x 4096 FLOP = 25.77 GFLOP at H100's 989.4 dense bf16 TFLOP/s
        double peak = DerivedFigures.peakTflops(sys.device().primary(), DType.BF16).orElseThrow();
        assertEquals(989.4, peak, 1.0);
        double handGemm = 2.0 * 3 * 1024 * 1024 * 4096 / (989.4e12);
        assertEquals(handGemm, gemmS, handGemm * 0.01, "expert GEMMs compute bound");
        // and on real links fused pays only what it cannot hide: at least the bound, and below separate kernels
        SystemSpec real = Systems.load("h100x2");
        long fusedReal = run(real, plan(real, s, Overlap.FUSED, rf), rf).makespanPs();
        assertTrue(fusedReal >= makespan && fusedReal <= run(real, plan(real, s, Overlap.LAYER, rf), rf).makespanPs());
    }

    @Test
    void fusedTilesOfOneExpertArePricedAsTheLayersBlockWithItsTopK() {
        // 8 experts over 2 GPUs, 4 per GPU cut into 4 tiles: each tile is one routed expert whose op says top_k 1. The fused
        // kernel prices a device's tiles as one block of its experts; that block's fp8 input quantise counts its rows over
        // the layer's top_k (2), which only the layer's dispatch still carries.
        SystemSpec sys = Systems.load("h100x2");
        MoeWeakScaling.Shape s = new MoeWeakScaling.Shape(4, 2, 2048, 4096, 2048, DType.FP8_E4M3);
        KernelCostModel trt = KernelCostModel.withProfiles(d -> io.moesim.hw.FrameworkProfiles.load("trtllm"));
        HardwarePlan p = plan(sys, s, Overlap.FUSED, trt);
        TaskTimer timer = new TaskTimer(trt, sys.device());
        PreparedPlan prepared = new PreparedPlan(p, sys, timer, new CollectiveModel(sys, CollectiveAlgorithm.AUTO));
        java.util.List<ExpertFfn> tiles = new java.util.ArrayList<>();
        long tilesPs = 0;
        Task any = null;
        for (Task t : p.tasks()) {
            if (t.device() == 0 && !t.isTransfer() && t.op() instanceof ExpertFfn f && f.totalTokens() > 0) {
                assertEquals(1, f.experts(), t.name());
                assertEquals(1, f.topK(), t.name());
                assertTrue(f.routed(), t.name());
                tiles.add(f);
                tilesPs += prepared.durationPs(t.id());
                any = t;
            }
        }
        assertEquals(4, tiles.size());
        // uniform top-2 over 8 experts of 4096 tokens: 1024 rows per expert, 4096 on the device, 2048 of them distinct tokens
        ExpertFfn block = ExpertFfn.concat(tiles, 2);
        assertEquals(4096, block.totalTokens());
        assertEquals(2048, block.servedTokens());
        java.util.List<io.moesim.ir.TensorType> in = java.util.List.of(io.moesim.ir.TensorType.of(any.inputs().get(0).dtype(), 4096, 4096));
        long expected = timer.inKernelPs(block, in, any.processor()); // the dispatch opens the kernel: every tile is launch-free
        assertEquals(expected, tilesPs, tiles.size(), "the device's tiles together cost its block at the layer's top_k");
        long topK1 = timer.inKernelPs(ExpertFfn.concat(tiles, 1), in, any.processor());
        assertTrue(topK1 > expected * 1.01, "top_k 1 would quantise every slot: " + topK1 + " vs " + expected + " ps");
    }

    @Test
    void weakScalingOfDeepSeekV3LikeLayersOnH100s() {
        // DeepSeek-V3 MoE layer: 256 routed experts (32 per GPU at 8), top-8, hidden 7168, expert FFN 2048
        MoeWeakScaling.Shape s = new MoeWeakScaling.Shape(32, 8, 2048, 7168, 2048, DType.BF16);
        MoeWeakScaling.Result fused = MoeWeakScaling.measure("h100", 8, s, Overlap.FUSED, 4, KERNEL, CollectiveAlgorithm.AUTO);
        MoeWeakScaling.Result layer = MoeWeakScaling.measure("h100", 8, s, Overlap.LAYER, 4, KERNEL, CollectiveAlgorithm.AUTO);
        assertEquals(3, fused.points().size());
        assertEquals(256, fused.points().get(2).experts());
        for (int i = 0; i < 3; i++) {
            assertTrue(fused.points().get(i).layerUs() <= layer.points().get(i).layerUs(), "fused faster at " + fused.points().get(i).devices());
        }
        // the share of tokens that leave their GPU grows from 1/2 to 7/8: no overlap makes T(8) shorter than T(2)
        assertTrue(fused.efficiency() <= 1.0 && layer.efficiency() <= 1.0);
        assertTrue(fused.echo().containsKey("moe_weak_scaling_efficiency"));
    }
}
