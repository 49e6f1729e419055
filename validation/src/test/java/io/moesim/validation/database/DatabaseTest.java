package io.moesim.validation.database;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.FrameworkProfile;
import io.moesim.validation.trace.OpForm;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The converter, the split rule and the token spread, against hand-written tables and hand counts. */
class DatabaseTest {
    @TempDir
    Path dir;

    private void table(String rel, String text) throws IOException {
        Path f = dir.resolve(rel);
        Files.createDirectories(f.getParent());
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void convertsTheTablesMoesimUses() throws IOException {
        table("h100_sxm/gemm/trtllm/1.3.0rc20/gemm_perf.csv.gz", "framework,version,device,op_name,kernel_source,gemm_dtype,m,n,k,latency\n"
                + "TRTLLM,1,NVIDIA H100 80GB HBM3,gemm,torch_flow,bfloat16,8,4096,4096,0.0125\n"
                + "TRTLLM,1,NVIDIA H100 80GB HBM3,gemm,torch_flow,fp8,8,4096,4096,0.02\n"
                + "TRTLLM,1,NVIDIA H100 80GB HBM3,gemm,torch_flow,fp8_block,8,4096,4096,0.03\n");
        table("h200_sxm/attention/vllm/0.24.0/generation_attention_perf.csv.gz",
                "framework,version,device,op_name,kernel_source,batch_size,isl,num_heads,num_key_value_heads,head_dim,beam_width,attn_dtype,kv_cache_dtype,step,window_size,latency\n"
                        + "VLLM,0.24.0,NVIDIA H200,attention,fa3,4,1024,32,8,128,1,bfloat16,bfloat16,7,0,0.05\n"
                        + "VLLM,0.24.0,NVIDIA H200,attention,fa3,4,1024,32,8,128,1,bfloat16,bfloat16,7,128,0.04\n"
                        + "VLLM,0.24.0,NVIDIA H200,attention,fa3,4,1024,32,8,128,1,bfloat16,fp8,7,0,0.03\n"
                        + "VLLM,0.24.0,NVIDIA H200,attention,fa3,4,1024,32,8,128,1,fp8,fp8,7,0,0.02\n");
        table("h200_sxm/attention/vllm/0.24.0/context_attention_perf.csv.gz",
                "framework,version,device,op_name,kernel_source,batch_size,isl,num_heads,num_key_value_heads,head_dim,beam_width,attn_dtype,kv_cache_dtype,step,window_size,latency\n"
                        + "VLLM,0.24.0,NVIDIA H200,attention,fa3,4,1024,32,8,128,1,bfloat16,fp8,0,0,0.5\n");
        table("h100_sxm/comm/vllm/0.24.0/custom_allreduce_perf.csv.gz",
                "framework,version,device,op_name,kernel_source,allreduce_dtype,num_gpus,message_size,latency,backend\n"
                        + "vLLM,0.24.0,NVIDIA H100 80GB HBM3,all_reduce,g,bfloat16,4,1024,0.004,vllm_graph\n"
                        + "vLLM,0.24.0,NVIDIA H100 80GB HBM3,all_reduce,e,bfloat16,4,1024,0.02,vllm_eager\n");
        List<DbRow> rows = AicConverter.readAll(dir);
        // files in path order (comm before gemm); fp8_block, windowed or fp8 attention, a context row on an fp8 cache and eager
        // all-reduce rows left out; a decode row on an fp8 cache under bf16 attention kept, with its cache's dtype
        assertEquals(List.of("all-reduce bytes=2048 group=4 dtype=bf16 impl=vllm-graph", "matmul m=8 n=4096 k=4096 dtype=bf16",
                "matmul m=8 n=4096 k=4096 dtype=fp8e4m3",
                "attention batch=4 heads=32 kv_heads=8 head_dim=128 q_len=1 kv_len=1031 causal=false dtype=bf16",
                "attention batch=4 heads=32 kv_heads=8 head_dim=128 q_len=1 kv_len=1031 causal=false dtype=bf16 kv_dtype=fp8e4m3"),
                rows.stream().map(r -> r.op().text()).toList());
        assertEquals("attention-decode", rows.get(3).kind());
        assertEquals(DbRow.DECODE_FP8_KV, rows.get(4).kind());
        assertEquals(30.0, rows.get(4).us(), 1e-9);
        assertEquals(12.5, rows.get(1).us(), 1e-9); // ms per call -> us
        assertEquals("gemm-fp8", rows.get(2).kind());
        assertEquals("h100x8", rows.get(0).system()); // 4 GPUs of one 8-GPU HGX node
        assertEquals("h200", rows.get(3).gpu());
        assertEquals("vllm", rows.get(3).framework());
        // written as a trace and read back: the same rows
        DbTraces.write(rows, dir.resolve("out"));
        List<DbRow> back = DbTraces.read(dir.resolve("out"));
        assertEquals(rows.stream().map(r -> r.gpu() + r.framework() + r.op().text() + r.us()).sorted().toList(),
                back.stream().map(r -> r.gpu() + r.framework() + r.op().text() + r.us()).sorted().toList());
    }

    @Test
    void sampleIsSeededAndSameShapesEverywhere() {
        List<DbRow> a = new java.util.ArrayList<>();
        for (int m = 1; m <= 50; m++) {
            for (String gpu : List.of("h100", "h200")) {
                for (String fw : List.of("trtllm", "vllm")) {
                    a.add(DbRow.of("matmul m=" + m + " n=64 k=64 dtype=bf16", gpu, gpu, fw, m, "t"));
                }
            }
        }
        List<DbRow> s = AicConverter.sample(a, 10);
        assertEquals(40, s.size());
        List<String> shapes = s.stream().filter(r -> r.gpu().equals("h100") && r.framework().equals("trtllm")).map(r -> r.op().text()).sorted().toList();
        for (String gpu : List.of("h100", "h200")) {
            for (String fw : List.of("trtllm", "vllm")) {
                assertEquals(shapes, s.stream().filter(r -> r.gpu().equals(gpu) && r.framework().equals(fw)).map(r -> r.op().text()).sorted().toList());
            }
        }
        java.util.Collections.reverse(a);
        assertEquals(shapes, AicConverter.sample(a, 10).stream().filter(r -> r.gpu().equals("h100") && r.framework().equals("trtllm"))
                .map(r -> r.op().text()).sorted().toList());
    }

    @Test
    void splitDependsOnTheShapeOnly() {
        DbRow a = DbRow.of("matmul m=8 n=64 k=64 dtype=bf16", "h100", "x", "trtllm", 1, "t");
        DbRow b = DbRow.of("matmul m=8 n=64 k=64 dtype=bf16", "h200", "y", "sglang", 2, "u");
        assertEquals(a.split(), b.split());
        long test = java.util.stream.IntStream.range(1, 2001).filter(m -> DbSplit.of("matmul m=" + m + " n=64 k=64") == DbSplit.TEST).count();
        assertTrue(test > 540 && test < 660, "about 30% test rows, got " + test);
    }

    @Test
    void tokenRoutingAsTheCollectorRoutes() {
        // balanced, tokens >= stride: 10 tokens x top 2 over 8 experts, stride ceil(8/2) = 4, token i takes i mod 8 and
        // (i + 4) mod 8: by hand, experts 0..7 get 3 3 2 2 3 3 2 2 (20 assignments); EP 2 measures experts 0..3
        assertArrayEquals(new long[] {3, 3, 2, 2, 3, 3, 2, 2}, DbModel.localLoads(10, 2, 8, 1, "balanced", "x").get(0));
        assertArrayEquals(new long[] {3, 3, 2, 2}, DbModel.localLoads(10, 2, 8, 2, "balanced", "x").get(0));
        // balanced, tokens < stride: 2 tokens, token i takes floor(i*4/2 + j*4) mod 8: experts 0, 4 and 2, 6
        assertArrayEquals(new long[] {1, 0, 1, 0}, DbModel.localLoads(2, 2, 8, 2, "balanced", "x").get(0));
        for (String d : List.of("power_law_1.01", "power_law_1.2")) {
            for (long t : new long[] {1, 3, 64, 4096}) {
                List<long[]> all = DbModel.localLoads(t, 8, 256, 1, d, "row");
                assertEquals(DbModel.DRAWS, all.size());
                for (long[] s : all) {
                    assertEquals(t * 8, Arrays.stream(s).sum(), d + " " + t + ": every assignment lands on an expert");
                    assertTrue(Arrays.stream(s).allMatch(x -> x >= 0));
                }
                // EP 8: the rank measured is the most loaded one, so it holds at least the mean share
                for (long[] s : DbModel.localLoads(t, 8, 256, 8, d, "row")) {
                    assertEquals(32, s.length);
                    assertTrue(Arrays.stream(s).sum() >= t * 8 / 8, d + " " + t);
                }
                // seeded: the same row draws the same loads
                assertArrayEquals(all.get(3), DbModel.localLoads(t, 8, 256, 1, d, "row").get(3));
            }
        }
        assertEquals("moe", DbRow.kindOf(OpForm.parse("moe-layer tokens=1 hidden=8 experts=8 top_k=2 ffn=8")));
    }

    @Test
    void currentCollectorDealsTheRoundingRemainderToTheRanksInTurn() {
        // every load rounds to 0 (8 experts, 2 per rank on EP 4, 4 assignments): the ranks take one each, each on its first
        // least loaded expert (by hand); the earlier repair gives all four to experts 0-3, ranks 0 and 1
        long[] n = new long[8];
        DbModel.roundRobinRepair(n, 2, 4, 4);
        assertArrayEquals(new long[] {1, 0, 1, 0, 1, 0, 1, 0}, n);
        // a load above the tokens is capped (an expert takes a token once) and the excess dealt the same way: loads 7 0 0 0,
        // 5 tokens, 2 experts per rank -> 5, then +1 to rank 0's least loaded (expert 1), +1 to rank 1's first (expert 2)
        long[] capped = {7, 0, 0, 0};
        DbModel.roundRobinRepair(capped, 2, 5, 7);
        assertArrayEquals(new long[] {5, 1, 1, 0}, capped);
        // too many: each rank in turn gives one back from its first most loaded: 3 3 2 0 (sum 8) to 6 -> 2 3 1 0
        long[] over = {3, 3, 2, 0};
        DbModel.roundRobinRepair(over, 2, 10, 6);
        assertArrayEquals(new long[] {2, 3, 1, 0}, over);
        // a decode-sized power-law row, 4 tokens x top 1 over 128 experts on EP 8 (Llama-4-Maverick-like, as vLLM's table has it):
        // the current repair leaves one assignment on the busiest rank in every draw, the earlier one all four
        for (DbModel.Routes r : DbModel.routes(4, 1, 128, 8, "power_law_1.01", "x", DbModel.LoadRepair.ROUND_ROBIN)) {
            assertEquals(1, java.util.Arrays.stream(r.mine()).sum());
        }
        for (DbModel.Routes r : DbModel.routes(4, 1, 128, 8, "power_law_1.01", "x", DbModel.LoadRepair.LARGEST_FIRST)) {
            assertEquals(4, java.util.Arrays.stream(r.mine()).sum());
        }
        // every repair keeps every draw's total: 96 tokens x top 8 over 256 experts on one GPU
        for (DbModel.LoadRepair repair : DbModel.LoadRepair.values()) {
            for (DbModel.Routes r : DbModel.routes(96, 8, 256, 1, "power_law_1.2", "y", repair)) {
                assertEquals(96 * 8, java.util.Arrays.stream(r.mine()).sum());
            }
        }
    }

    @Test
    void sglangsCollectorDealsTheRoundingRemainderToTheLeastLoadedExperts() {
        // every load rounds to 0 (8 experts, 2 tokens x top 2): the shortfall goes one each from the last expert in
        // descending load (equal loads by id) backwards, so to experts 7, 6, 5, 4 (by hand)
        long[] n = new long[8];
        DbModel.smallestFirstRepair(n, 2, 4);
        assertArrayEquals(new long[] {0, 0, 0, 0, 1, 1, 1, 1}, n);
        // a load above the tokens is capped and each unit over goes to the last expert still under the cap: 7 0 0 0 at 5
        // tokens -> 5 0 0 0, two units to expert 3 -> 5 0 0 2 (sum 7, no shortfall left)
        long[] capped = {7, 0, 0, 0};
        DbModel.smallestFirstRepair(capped, 5, 7);
        assertArrayEquals(new long[] {5, 0, 0, 2}, capped);
        // too many: one back from the last (expert 3 is at 0, so from the most loaded, expert 0), then from expert 2
        long[] over = {3, 3, 2, 0};
        DbModel.smallestFirstRepair(over, 10, 6);
        assertArrayEquals(new long[] {2, 3, 1, 0}, over);
        // what the measured rows show (7168 / 2048 / 256 experts, top 8, EP 16: rank 0 runs 16, 16, 15 of its 16 experts at 4, 8,
        // 16 tokens, read off the time per expert of the balanced rows): this repair puts about 16 there (a numpy emulation of the
        // collector: 15.7, 15.8, 15.5 over 400 draws), the earliest about 6 (6.2, 5.1, 7.5)
        for (long t : new long[] {4, 8, 16}) {
            assertTrue(meanActive(t, DbModel.LoadRepair.SMALLEST_FIRST) >= 14, "smallest first at " + t + " tokens");
            assertTrue(meanActive(t, DbModel.LoadRepair.LARGEST_FIRST) <= 10, "largest first at " + t + " tokens");
        }
        // the tokens rank 0 runs (SGLang's collector times rank 0's own workload): the emulation gives 14.5 of the 16 at EP 16
        double rank0 = DbModel.routes(16, 8, 256, 16, "power_law_1.01", "active", DbModel.LoadRepair.SMALLEST_FIRST).stream()
                .mapToLong(DbModel.Routes::rank0Tokens).average().orElseThrow();
        assertTrue(rank0 >= 13.5 && rank0 <= 15.5, "rank 0's tokens " + rank0);
        // (it keeps every draw's total: currentCollectorDealsTheRoundingRemainderToTheRanksInTurn checks all three repairs)
    }

    /** Mean active experts of rank 0 over the draws: 256 experts, top 8, EP 16, power law 1.01. */
    private static double meanActive(long tokens, DbModel.LoadRepair repair) {
        List<DbModel.Routes> draws = DbModel.routes(tokens, 8, 256, 16, "power_law_1.01", "active", repair);
        return draws.stream().mapToLong(r -> java.util.Arrays.stream(r.mine()).filter(v -> v > 0).count()).average().orElseThrow();
    }

    @Test
    void sglangTimesRankZerosOwnWorkload() {
        // balanced, 10 tokens x top 2 over 8 experts on EP 4 (experts 0, 1 here): token i takes i mod 8 and (i + 4) mod 8,
        // so tokens 0 1 4 5 8 9 have one of them (by hand): 6 rank-0 tokens, 3 assignments each to experts 0 and 1
        DbModel.Routes r = DbModel.routes(10, 2, 8, 4, "balanced", "x").get(0);
        assertArrayEquals(new long[] {3, 3}, r.mine());
        assertEquals(6, r.rank0Tokens());
        // the collector's table (its own example: 5 tokens x top 2, loads 4 1 3 2): experts by load 0 2 3 1, laid out
        // column-major [0 0 0 0 2 | 2 2 3 3 1], assignment i to token i mod 5: expert 0 covers tokens 0-3, expert 1
        // token 4, expert 2 tokens 4 0 1, expert 3 tokens 2 3 (by hand)
        long[] n = {4, 1, 3, 2};
        assertEquals(4, DbModel.rank0Tokens(n, 0, 1, 5));
        assertEquals(1, DbModel.rank0Tokens(n, 1, 1, 5));
        assertEquals(3, DbModel.rank0Tokens(n, 2, 1, 5));
        assertEquals(2, DbModel.rank0Tokens(n, 3, 1, 5));
        assertEquals(5, DbModel.rank0Tokens(n, 0, 2, 5), "experts 0 and 1 cover every token");
        // power law: never more rank-0 tokens than tokens, never fewer than one expert's busiest share can cover
        for (long[] loads : DbModel.localLoads(64, 8, 256, 8, "power_law_1.2", "row")) {
            assertTrue(Arrays.stream(loads).sum() > 0);
        }
        for (DbModel.Routes d : DbModel.routes(64, 8, 256, 8, "power_law_1.2", "row")) {
            long mostOnOne = Arrays.stream(d.mine()).max().getAsLong();
            assertTrue(d.rank0Tokens() <= 64 && d.rank0Tokens() >= mostOnOne, d.rank0Tokens() + " rank-0 tokens");
            assertTrue(d.rank0Tokens() <= Arrays.stream(d.mine()).sum(), "each rank-0 token has at least one local assignment");
        }
        // only SGLang's expert-parallel MoE rows are timed as rank 0's workload: the same op runs more rows there
        String op = "moe-layer tokens=1024 hidden=4096 experts=128 top_k=8 ffn=1536 tp=1 ep=64 distribution=balanced dtype=bf16";
        DbRow sglang = DbRow.of(op, "h100", "h100", "sglang", 100, "test");
        DbRow vllm = DbRow.of(op, "h100", "h100", "vllm", 100, "test");
        assertTrue(DbModel.rank0Workload(sglang));
        assertFalse(DbModel.rank0Workload(vllm));
        assertFalse(DbModel.rank0Workload(DbRow.of(op.replace("ep=64", "ep=1"), "h100", "h100", "sglang", 100, "test")));
        DbModel model = new DbModel();
        var device = DbProtocol.device("h100");
        // balanced, stride 16: experts 0 and 1 take tokens i = 0, 1 mod 16, 64 + 64 assignments, 128 rank-0 tokens; the
        // top-k reduction reads their 1024 slots (SGLang) where vLLM's reads all 8192 of the 1024 tokens
        assertEquals(128, DbModel.routes(1024, 8, 128, 64, "balanced", "x").get(0).rank0Tokens());
        double sg = model.pieces(sglang, device).stream().filter(x -> x.cls().equals(DbModel.SLOTS)).findFirst().orElseThrow().bytes();
        double vl = model.pieces(vllm, device).stream().filter(x -> x.cls().equals(DbModel.SLOTS)).findFirst().orElseThrow().bytes();
        assertTrue(sg < vl / 4, sg + " vs " + vl);
        // SGLang's slot pass is rank 0's own: its 1024 slots read, 128 rows written, and the 896 slots of its tokens on other
        // GPUs (1024 - 128 assignments here) as zeros, h wide; both Triton fused_moe blocks add, for each slot on another
        // GPU, the first GEMM's zero row (2 x 1536 wide) and the activation's pass over it (reads 3072, writes 1536): SGLang
        // for its 896, vLLM for the 8192 - 128 of every token
        assertEquals((1024.0 + 128 + 896) * 4096 * 2 + 896.0 * 3072 * 2 + 896.0 * (3072 + 1536) * 2, sg, 1);
        assertEquals((8192.0 + 1024 + 8064) * 4096 * 2 + 8064.0 * 3072 * 2 + 8064.0 * (3072 + 1536) * 2, vl, 1);
        // the expert GEMMs: the same two experts' 128 assignments either way
        assertEquals(model.pieces(vllm, device).stream().filter(x -> x.cls().equals("moe")).findFirst().orElseThrow().total(),
                model.pieces(sglang, device).stream().filter(x -> x.cls().equals("moe")).findFirst().orElseThrow().total());
    }

    /**
     * CUTLASS MoE's finalize as an fp8 block's unpermute (TensorRT-LLM, and vLLM through FlashInfer): one CTA per token reads
     * the GPU's own rows and writes every token's output row. Balanced, 1024 tokens, top 8 of 128 experts on EP 64: stride 16,
     * so experts 0 and 1 take tokens i = 0, 1 mod 16, 128 rows on this GPU; the finalize moves (128 + 1024) rows of 4096 bf16,
     * the scatter of a bf16 block 2 x 128.
     */
    @Test
    void cutlassFp8BlocksFinalizeEveryToken() {
        String op = "moe-layer tokens=1024 hidden=4096 experts=128 top_k=8 ffn=1536 tp=1 ep=64 distribution=balanced dtype=fp8e4m3";
        DbModel model = new DbModel();
        var device = DbProtocol.device("h100");
        java.util.function.Function<DbRow, Double> unpermute = r -> model.pieces(r, device).stream().filter(x -> x.slots() < 0).findFirst().orElseThrow()
                .bytes();
        assertEquals((128.0 + 1024) * 4096 * 2, unpermute.apply(DbRow.of(op, "h100", "h100", "trtllm", 100, "test")), 1);
        assertEquals((128.0 + 1024) * 4096 * 2, unpermute.apply(DbRow.of(op, "h100", "h100", "vllm", 100, "test")), 1);
        // TensorRT-LLM's bf16 blocks run the same CUTLASS MoE and finalize too (FINALIZE_BF16_FRAMEWORKS); a bf16 block without
        // it keeps the scatter of its own rows, 2 x 128 rows (SGLang's, whose slot pass replaces it where its profile keeps one)
        String bf16 = op.replace("fp8e4m3", "bf16");
        assertEquals((128.0 + 1024) * 4096 * 2, unpermute.apply(DbRow.of(bf16, "h100", "h100", "trtllm", 100, "test")), 1);
        assertEquals(2.0 * 128 * 4096 * 2, unpermute.apply(DbRow.of(bf16, "h100", "h100", "sglang", 100, "test")), 1);
    }

    /**
     * TensorRT-LLM's bf16 blocks on its autotuned CUTLASS tile ({@link io.moesim.hw.MoeTileRule#CUTLASS_SM90_AUTOTUNED}): the
     * balanced 1024-token EP 64 call above gives this GPU's two experts 64 rows each, whole 16-row tiles, so the tile computes
     * the rows' own 128 x (4096 x 3072 + 1536 x 4096) MACs at the H100's dense bf16 peak (2048 MACs a cycle per SM, 1830 MHz,
     * 132 SMs), and a CTA walks 4096 / 64 + 1536 / 64 = 88 K steps. One token on EP 128 leaves this GPU one row, padded to 16.
     */
    @Test
    void tensorRtLlmBf16BlocksRunTheirAutotunedCutlassTile() {
        String op = "moe-layer tokens=1024 hidden=4096 experts=128 top_k=8 ffn=1536 tp=1 ep=64 distribution=balanced dtype=bf16";
        DbModel model = new DbModel();
        var device = DbProtocol.device("h100");
        double rate = 2048 * 1830e6 * 132;
        int cutlass = io.moesim.hw.MoeTileRule.CUTLASS_SM90_AUTOTUNED.ordinal();
        DbModel.Tiled t = model.pieces(DbRow.of(op, "h100", "h100", "trtllm", 100, "test"), device).stream().filter(x -> x.cls().equals("moe"))
                .findFirst().orElseThrow().tiled()[cutlass];
        assertEquals(128.0 * (4096 * 3072 + 1536 * 4096) / rate, t.computeS(), 1e-15);
        assertEquals(88, t.kSteps(), 0);
        DbModel.Tiled one = model.pieces(DbRow.of(op.replace("tokens=1024", "tokens=1").replace("ep=64", "ep=128"), "h100", "h100", "trtllm", 30, "test"),
                device).stream().filter(x -> x.cls().equals("moe")).findFirst().orElseThrow().tiled()[cutlass];
        assertEquals(16.0 * (4096 * 3072 + 1536 * 4096) / rate, one.computeS(), 1e-15);
    }

    /**
     * SGLang's bf16 blocks on Triton's default tile ({@link io.moesim.hw.MoeTileRule#TRITON_DEFAULT}): one token over 128
     * experts on EP 128 leaves rank 0 one expert with one row, so the call's M (1) is at most its experts (1): 16-row blocks,
     * 64-wide K steps. The block's compute is 16 padded rows x (4096 x 3072 + 1536 x 4096) MACs at the H100's dense peak; a
     * CTA walks 4096 / 64 + 1536 / 64 = 88 K steps. At TP 1 the expert's weights (37.7 MB) are more than half the 50 MiB L2,
     * so the walk from DRAM (88 x 300 ns = 26.4 us) is the DRAM part's floor; at TP 2 (18.9 MB) the harness finds them in L2.
     */
    @Test
    void sglangBlocksRunTritonsDefaultTile() {
        String op = "moe-layer tokens=1 hidden=4096 experts=128 top_k=8 ffn=1536 tp=1 ep=128 distribution=balanced dtype=bf16";
        DbRow tp1 = DbRow.of(op, "h100", "h100", "sglang", 40, "test");
        DbRow tp2 = DbRow.of(op.replace("tp=1", "tp=2"), "h100", "h100", "sglang", 24, "test");
        DbModel model = new DbModel();
        var device = DbProtocol.device("h100");
        DbModel.Piece body = model.pieces(tp1, device).stream().filter(x -> x.cls().equals("moe")).findFirst().orElseThrow();
        assertEquals(16.0 * (4096 * 3072 + 1536 * 4096) / (2048 * 1830e6 * 132), body.tiled()[0].computeS(), 1e-15);
        assertEquals(88, body.tiled()[0].kSteps(), 0);
        assertEquals(body.bytes() / (50.0 * 1024 * 1024), body.tiled()[0].l2Fraction(), 1e-12);
        assertTrue(body.bytes() > 3 * 4096 * 1536 * 2 && body.tiled()[0].l2Fraction() > 0.5, "the expert's weights are read: " + body.bytes());
        FrameworkProfile.ClassFigures none = FrameworkProfile.ClassFigures.NONE;
        FrameworkProfile tile = new FrameworkProfile("sglang", "s", java.util.Map.of("moe", none), false, java.util.Optional.empty())
                .withMoeTiles(java.util.Optional.of(new FrameworkProfile.MoeTiles(io.moesim.hw.MoeTileRule.TRITON_DEFAULT, 300, 0.5)));
        // the same tile with a negligible walk (1e-6 ns a step)
        FrameworkProfile noWalk = tile.withMoeTiles(java.util.Optional.of(new FrameworkProfile.MoeTiles(io.moesim.hw.MoeTileRule.TRITON_DEFAULT, 1e-6, 0.5)));
        // TP 1: the walk replaces the DRAM part (no figures: the model's own parts), whose 37.7 MB stream takes less
        double memory = body.memory() * 1e6;
        assertTrue(memory < 26.4 && body.tiled()[0].computeS() * 1e6 < memory, "memory " + memory);
        assertEquals(26.4 - memory, model.predictUs(tp1, device, tile) - model.predictUs(tp1, device, noWalk), 1e-9);
        // TP 2: found in L2, no floor
        DbModel.Piece half = model.pieces(tp2, device).stream().filter(x -> x.cls().equals("moe")).findFirst().orElseThrow();
        assertTrue(half.tiled()[0].l2Fraction() < 0.5, "18.9 MB of a 52.4 MB L2: " + half.tiled()[0].l2Fraction());
        assertEquals(0, model.predictUs(tp2, device, tile) - model.predictUs(tp2, device, noWalk), 1e-12);
        // fp8 blocks and other frameworks' profiles keep the kernel model's tile
        DbRow fp8 = DbRow.of(op.replace("bf16", "fp8e4m3"), "h100", "h100", "sglang", 40, "test");
        assertTrue(model.pieces(fp8, device).stream().allMatch(x -> x.tiled() == null));
        assertEquals(model.predictUs(tp1, device, tile.withMoeTiles(java.util.Optional.empty())), model.predictUs(tp1, device,
                new FrameworkProfile("sglang", "s", java.util.Map.of("moe", none), false, java.util.Optional.empty())), 0);
    }

    /**
     * A fused MoE block's slot pass belongs to its precision's kernel family (vLLM: Triton's fused_moe for bf16 experts,
     * FlashInfer's CUTLASS MoE for fp8 ones, kernel_source in its moe_perf table): in a profile with its own fp8 MoE figures an
     * fp8 block runs its slot pass on moe_fp8_slots, or its unpermute where that class is absent, whatever moe_slots says; a
     * profile without moe_fp8 (pooled over frameworks) runs fp8 blocks as bf16 ones, slot pass included.
     */
    @Test
    void theSlotPassIsChosenPerPrecision() {
        String bf16Op = "moe-layer tokens=1024 hidden=4096 experts=128 top_k=8 ffn=1536 tp=1 ep=8 distribution=balanced dtype=bf16";
        DbRow bf16 = DbRow.of(bf16Op, "h100", "h100", "vllm", 100, "test");
        DbRow fp8 = DbRow.of(bf16Op.replace("bf16", "fp8e4m3"), "h100", "h100", "vllm", 100, "test");
        DbModel model = new DbModel();
        var device = DbProtocol.device("h100");
        // the two blocks' pieces: the same slot-pass bytes, under their own class
        DbModel.Piece bfSlots = model.pieces(bf16, device).stream().filter(x -> x.slots() > 0).findFirst().orElseThrow();
        DbModel.Piece f8Slots = model.pieces(fp8, device).stream().filter(x -> x.slots() > 0).findFirst().orElseThrow();
        assertEquals(DbModel.SLOTS, bfSlots.cls());
        assertEquals(DbModel.SLOTS_FP8, f8Slots.cls());
        // 8192 slots read, 1024 rows written, the 7168 other GPUs' slots written as zeros: 16384 rows of 4096 bf16; the bf16
        // block (Triton's fused_moe through vLLM's expert map) also writes the first GEMM's zero rows for those 7168 slots,
        // 2 x 1536 bf16 each, and runs its activation over them (reads 2 x 1536, writes 1536); the fp8 block (FlashInfer's
        // CUTLASS MoE) permutes only its own rows
        assertEquals(16384.0 * 4096 * 2 + 7168.0 * 3072 * 2 + 7168.0 * (3072 + 1536) * 2, bfSlots.bytes(), 16384.0 * 4096 * 2 * 0.02);
        assertEquals(16384.0 * 4096 * 2, f8Slots.bytes(), 16384.0 * 4096 * 2 * 0.02);
        FrameworkProfile.ClassFigures call = new FrameworkProfile.ClassFigures(java.util.OptionalDouble.of(1000), java.util.OptionalDouble.empty(),
                java.util.OptionalDouble.empty());
        FrameworkProfile.ClassFigures none = FrameworkProfile.ClassFigures.NONE;
        FrameworkProfile own = new FrameworkProfile("vllm", "v", java.util.Map.of("moe", none, "moe_fp8", none), false, java.util.Optional.empty());
        double plainBf = model.predictUs(bf16, device, own);
        double plainF8 = model.predictUs(fp8, device, own);
        // a slot buffer for bf16 blocks only: the bf16 block pays its slot pass (a 1000 us call) in place of its unpermute
        FrameworkProfile bfOnly = own.withClass(DbModel.SLOTS, call);
        assertTrue(model.predictUs(bf16, device, bfOnly) > plainBf + 990, "bf16 block runs the slot pass");
        assertEquals(plainF8, model.predictUs(fp8, device, bfOnly), 1e-9, "fp8 block keeps its unpermute");
        // ... and for fp8 blocks only
        FrameworkProfile f8Only = own.withClass(DbModel.SLOTS_FP8, call);
        assertEquals(plainBf, model.predictUs(bf16, device, f8Only), 1e-9);
        assertTrue(model.predictUs(fp8, device, f8Only) > plainF8 + 990);
        // pooled: no moe_fp8, so an fp8 block runs on moe's figures and moe_slots' slot pass
        FrameworkProfile pooled = new FrameworkProfile("pooled", "p", java.util.Map.of("moe", none, DbModel.SLOTS, call), false, java.util.Optional.empty());
        assertTrue(pooled.keepsSlotBuffer(DbModel.SLOTS_FP8));
        assertEquals(call, pooled.figures(DbModel.SLOTS_FP8));
        assertTrue(model.predictUs(fp8, device, pooled) > plainF8 + 990);
        assertFalse(bfOnly.keepsSlotBuffer(DbModel.SLOTS_FP8));
    }

    /**
     * The committed sample is what the converter writes from the tables today (it was not, for two days, after a change to
     * the converter's row forms). Needs the tables beside the checkout ({@code ../shared/data/aiconfigurator}).
     */
    @Test
    void theCommittedSampleIsWhatTheConverterWrites() throws IOException {
        Path tables = Path.of("..", "..", "shared", "data", "aiconfigurator");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(tables), "skipped: no AIConfigurator tables at " + tables.toAbsolutePath().normalize());
        List<DbRow> fresh = AicConverter.sample(AicConverter.readAll(tables), AicConverter.SAMPLE_ROWS);
        Path out = dir.resolve("sample");
        Path committed = DatabaseProtocolTest.sample();
        for (Path f : DbTraces.write(fresh, out)) {
            Path rel = out.relativize(f);
            assertEquals(Files.readString(committed.resolve(rel)), Files.readString(f), rel + " differs: rerun bin/moesim validate --database-convert");
        }
    }

    /**
     * TensorRT-LLM's non-gated MoE shapes (kernel_source moe_torch_flow_nongated) become gated=false rows, whose experts are an up
     * and a down matrix: two thirds of a gated expert's weights, what a memory-bound block at one token reads.
     */
    @Test
    void nonGatedMoeRowsKeepTheirTwoMatrices() throws IOException {
        table("h100_sxm/moe/trtllm/1.3.0rc20/moe_perf.csv.gz",
                "framework,version,device,op_name,kernel_source,moe_dtype,num_tokens,hidden_size,inter_size,topk,num_experts,moe_tp_size,moe_ep_size,distribution,latency\n"
                        + "TRTLLM,1,NVIDIA H100 80GB HBM3,moe,moe_torch_flow_cutlass,bfloat16,1,4096,14336,2,8,1,1,balanced,0.3\n"
                        + "TRTLLM,1,NVIDIA H100 80GB HBM3,moe,moe_torch_flow_nongated,bfloat16,1,4096,14336,2,8,1,1,balanced,0.2\n");
        List<DbRow> rows = AicConverter.readAll(dir);
        assertEquals(List.of("moe-layer tokens=1 hidden=4096 experts=8 top_k=2 ffn=14336 tp=1 ep=1 distribution=balanced dtype=bf16",
                "moe-layer tokens=1 hidden=4096 experts=8 top_k=2 ffn=14336 tp=1 ep=1 distribution=balanced dtype=bf16 gated=false"),
                rows.stream().map(r -> r.op().text()).toList());
        DbModel model = new DbModel();
        var device = DbProtocol.device("h100");
        double gated = model.pieces(rows.get(0), device).stream().filter(x -> x.cls().equals("moe")).findFirst().orElseThrow().bytes();
        double plain = model.pieces(rows.get(1), device).stream().filter(x -> x.cls().equals("moe")).findFirst().orElseThrow().bytes();
        // two experts' weights, 3 (gated) or 2 matrices of 4096 x 14336 bf16, and a few KB of activations
        assertEquals(2.0 * 3 * 4096 * 14336 * 2, gated, 2.0 * 3 * 4096 * 14336 * 2 * 0.01);
        assertEquals(2.0 * 2 * 4096 * 14336 * 2, plain, 2.0 * 2 * 4096 * 14336 * 2 * 0.01);
        // a value other than true or false is refused, naming the key
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> io.moesim.validation.trace.IrOps.apply(OpForm.parse(rows.get(1).op().text().replace("gated=false", "gated=no"))));
        assertTrue(e.getMessage().contains("gated must be true or false"), e.getMessage());
    }

    /**
     * vLLM's rows of Nemotron-3's MoE shapes are non-gated (its collector builds the model's squared-ReLU experts,
     * AicConverter.NON_GATED_VLLM); SGLang's rows of the same shape keep the gate its collector builds, as does a vLLM row of
     * any other shape.
     */
    @Test
    void vllmsNemotronShapesAreNonGated() throws IOException {
        String head = "framework,version,device,op_name,kernel_source,moe_dtype,num_tokens,hidden_size,inter_size,topk,num_experts,moe_tp_size,moe_ep_size,distribution,latency\n";
        table("h100_sxm/moe/vllm/0.24.0/moe_perf.csv.gz", head
                + "VLLM,0.24.0,NVIDIA H100 80GB HBM3,moe,vllm_unquantizedfusedmoe_triton_tritonexperts,bfloat16,64,2688,1856,6,128,1,1,balanced,0.857\n"
                + "VLLM,0.24.0,NVIDIA H100 80GB HBM3,moe,vllm_modeloptfp8moe_flashinfer_cutlass_flashinferexperts,fp8,64,1024,2688,22,512,1,1,balanced,1.0\n"
                + "VLLM,0.24.0,NVIDIA H100 80GB HBM3,moe,vllm_unquantizedfusedmoe_triton_tritonexperts,bfloat16,64,2688,1856,8,128,1,1,balanced,0.9\n");
        table("h100_sxm/moe/sglang/0.5.9/moe_perf.csv.gz", head
                + "SGLANG,0.5.9,NVIDIA H100 80GB HBM3,moe,sglang_fused_moe_triton,bfloat16,64,2688,1856,6,128,1,1,balanced,1.261\n");
        List<String> ops = AicConverter.readAll(dir).stream().map(r -> r.framework() + " " + r.op().text()).toList();
        assertEquals(List.of("sglang moe-layer tokens=64 hidden=2688 experts=128 top_k=6 ffn=1856 tp=1 ep=1 distribution=balanced dtype=bf16",
                "vllm moe-layer tokens=64 hidden=2688 experts=128 top_k=6 ffn=1856 tp=1 ep=1 distribution=balanced dtype=bf16 gated=false",
                "vllm moe-layer tokens=64 hidden=1024 experts=512 top_k=22 ffn=2688 tp=1 ep=1 distribution=balanced dtype=fp8e4m3 gated=false",
                "vllm moe-layer tokens=64 hidden=2688 experts=128 top_k=8 ffn=1856 tp=1 ep=1 distribution=balanced dtype=bf16"), ops);
    }

    /**
     * A fused fp8 MoE block carries its grouped GEMMs' tile dims on the sm90 GPUs (FrameworkCost.MoeGemmDims), which a profile
     * with fp8_moe_tiles times its moe_fp8 piece on (the tile floor can only lengthen it); a bf16 block carries none.
     */
    @Test
    void fp8BlocksRunOnTheProfilesMoeTiles() {
        DbRow fp8 = DbRow.of("moe-layer tokens=256 hidden=4096 experts=8 top_k=2 ffn=14336 tp=1 ep=1 distribution=balanced dtype=fp8e4m3", "h100", "h100",
                "vllm", 100, "t");
        DbRow bf16 = DbRow.of("moe-layer tokens=256 hidden=4096 experts=8 top_k=2 ffn=14336 tp=1 ep=1 distribution=balanced dtype=bf16", "h100", "h100",
                "vllm", 100, "t");
        DbModel model = new DbModel();
        var device = DbProtocol.device("h100");
        DbModel.Piece f8 = model.pieces(fp8, device).stream().filter(x -> x.cls().equals("moe_fp8")).findFirst().orElseThrow();
        assertTrue(f8.moeGemm() != null);
        assertTrue(model.pieces(bf16, device).stream().allMatch(x -> x.moeGemm() == null));
        FrameworkProfile.ClassFigures none = FrameworkProfile.ClassFigures.NONE;
        FrameworkProfile own = new FrameworkProfile("vllm", "v", java.util.Map.of("moe", none, "moe_fp8", none), false, java.util.Optional.empty());
        // 64 tokens per expert on 128x16 tiles at 1 GB/s per SM: the floor, not the kernel model, decides the block
        FrameworkProfile slow = own.withFp8MoeTiles(java.util.Optional.of(new FrameworkProfile.Fp8GemmTiles(io.moesim.hw.GemmTileRule.FLASHINFER_MOE_SM90_UNTUNED, 1)));
        double floor = f8.moeGemm().tileFloorSeconds(slow.fp8MoeTiles().orElseThrow(), 1);
        assertTrue(floor > 10 * f8.total(), floor + " vs " + f8.total());
        assertEquals(model.predictUs(fp8, device, own) + (floor - Math.max(f8.compute(), f8.memory())) * 1e6, model.predictUs(fp8, device, slow), 1e-6);
        // the profile's bf16 block is untouched
        assertEquals(model.predictUs(bf16, device, own), model.predictUs(bf16, device, slow), 1e-9);
        // tiles that do not bind leave the block as the class's figures time it, its time per active expert included
        FrameworkProfile.ClassFigures perExpert = new FrameworkProfile.ClassFigures(java.util.OptionalDouble.empty(), java.util.OptionalDouble.empty(),
                java.util.OptionalDouble.empty(), java.util.OptionalDouble.of(1000), java.util.OptionalDouble.empty());
        FrameworkProfile items = own.withClass("moe_fp8", perExpert);
        FrameworkProfile loose = items.withFp8MoeTiles(java.util.Optional.of(new FrameworkProfile.Fp8GemmTiles(io.moesim.hw.GemmTileRule.FLASHINFER_MOE_SM90_UNTUNED, 1e9)));
        assertTrue(f8.moeGemm().tileFloorSeconds(loose.fp8MoeTiles().orElseThrow(), 1) < f8.memory());
        assertEquals(model.predictUs(fp8, device, own) + 8 * 1.0, model.predictUs(fp8, device, items), 1e-6); // 8 active experts x 1 us
        assertEquals(model.predictUs(fp8, device, items), model.predictUs(fp8, device, loose), 1e-9);
    }

    @Test
    void vllmsQuantiseDifferencesBecomeItsPerTokenKernel() throws IOException {
        // vLLM's computescale rows are the collector's difference dynamic per-token minus static; TensorRT-LLM's its amax kernel
        table("h100_sxm/quantize/vllm/0.24.0/computescale_perf.csv.gz", "framework,version,device,op_name,kernel_source,m,k,quant_dtype,latency\n"
                + "VLLM,0.24.0,NVIDIA H100 80GB HBM3,compute_scale,dynamic_per_token_scaled_fp8_quant_minus_static_scaled_fp8_quant,3,65536,fp8,0.0078\n"
                + "VLLM,0.24.0,NVIDIA H100 80GB HBM3,compute_scale,dynamic_per_token_scaled_fp8_quant_minus_static_scaled_fp8_quant,5,64,fp8,0.0011\n"
                // another minuend kernel, partner or not: left out; a difference of 0 whose sum is a time: kept
                + "VLLM,0.24.0,NVIDIA H100 80GB HBM3,compute_scale,dynamic_per_token_scaled_fp8_quant_v2_minus_static_scaled_fp8_quant,3,65536,fp8,0.0078\n"
                + "VLLM,0.24.0,NVIDIA H100 80GB HBM3,compute_scale,dynamic_per_token_scaled_fp8_quant_minus_static_scaled_fp8_quant,7,128,fp8,0.0\n");
        table("h100_sxm/quantize/vllm/0.24.0/scale_matrix_perf.csv.gz", "framework,version,device,op_name,kernel_source,m,k,quant_dtype,latency\n"
                + "VLLM,0.24.0,NVIDIA H100 80GB HBM3,scale_matrix,static_scaled_fp8_quant,3,65536,fp8,0.0073\n"
                + "VLLM,0.24.0,NVIDIA H100 80GB HBM3,scale_matrix,static_scaled_fp8_quant,7,128,fp8,0.0021\n");
        table("h100_sxm/quantize/trtllm/1.3.0rc20/computescale_perf.csv.gz", "framework,version,device,op_name,kernel_source,m,k,quant_dtype,latency\n"
                + "TRTLLM,1,NVIDIA H100 80GB HBM3,compute_scale,torch_ops,3,65536,fp8,0.0069\n");
        List<DbRow> rows = AicConverter.readAll(dir);
        // TensorRT-LLM's row stays an amax pass; vLLM's difference gets its static row added back (7.8 + 7.3 us), and the
        // difference with no static row of its shape is left out; the static row itself stays a cast
        assertEquals(List.of("quantize m=3 k=65536 step=amax", "quantize m=3 k=65536 step=token", "quantize m=7 k=128 step=token",
                "quantize m=3 k=65536 step=cast", "quantize m=7 k=128 step=cast"), rows.stream().map(r -> r.op().text()).toList());
        assertEquals(List.of("trtllm", "vllm", "vllm", "vllm", "vllm"), rows.stream().map(DbRow::framework).toList());
        assertEquals(6.9, rows.get(0).us(), 1e-9);
        assertEquals(15.1, rows.get(1).us(), 1e-9);
        assertEquals(2.1, rows.get(2).us(), 1e-9);
        assertEquals(7.3, rows.get(3).us(), 1e-9);
        assertTrue(rows.get(1).source().contains("dynamic_per_token_scaled_fp8_quant_minus_static_scaled_fp8_quant"), rows.get(1).source());
        // the per-token kernel is both passes: the amax pass reads the bf16 rows (2 bytes an element), the cast reads them
        // and writes fp8 (3 bytes), each a copy of half its bytes
        var device = DbProtocol.device("h100");
        List<DbModel.Piece> token = new DbModel().pieces(rows.get(1), device);
        assertEquals(List.of("quantize_amax", "quantize"), token.stream().map(DbModel.Piece::cls).toList());
        assertEquals(2.0 * 3 * 65536, token.get(0).bytes(), 1e-9);
        assertEquals(3.0 * 3 * 65536, token.get(1).bytes(), 1e-9);
        assertEquals(List.of("quantize"), new DbModel().pieces(rows.get(3), device).stream().map(DbModel.Piece::cls).toList());
        // another step is refused, naming the steps
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> io.moesim.validation.trace.IrOps.apply(OpForm.parse("quantize m=3 k=64 step=dynamic")));
        assertTrue(e.getMessage().contains("step must be one of cast, amax, token, not 'dynamic'"), e.getMessage());
        // a latency that is no number is refused naming the table and line
        table("h100_sxm/quantize/vllm/0.24.0/scale_matrix_perf.csv.gz", "framework,version,device,op_name,kernel_source,m,k,quant_dtype,latency\n"
                + "VLLM,0.24.0,NVIDIA H100 80GB HBM3,scale_matrix,static_scaled_fp8_quant,3,65536,fp8,\n");
        io.moesim.ir.MoesimException bad = org.junit.jupiter.api.Assertions.assertThrows(io.moesim.ir.MoesimException.class, () -> AicConverter.readAll(dir));
        assertTrue(bad.getMessage().startsWith("h100_sxm/quantize/vllm/0.24.0/scale_matrix_perf.csv.gz:2: "), bad.getMessage());
    }

    @Test
    void sglangsStaticCastIsItsCollectorsFourEagerKernels() {
        // SGLang's collector times out.copy_((x / scale).clamp(...).to(fp8)) with a one-element fp32 scale: four eager kernels,
        // the division writing fp32 (2 + 4 bytes an element), the clamp (4 + 4), the cast (4 + 1), the copy (1 + 1); the other
        // frameworks' casts are their fused kernel (2 + 1). The same op text, so the pieces are keyed by the harness too.
        var device = DbProtocol.device("h100");
        long el = 64L * 4096;
        DbModel model = new DbModel();
        DbRow vllm = DbRow.of("quantize m=64 k=4096 step=cast", "h100", "NVIDIA H100 80GB HBM3", "vllm", 10, "test");
        DbRow sglang = DbRow.of("quantize m=64 k=4096 step=cast", "h100", "NVIDIA H100 80GB HBM3", "sglang", 30, "test");
        List<DbModel.Piece> fused = model.pieces(vllm, device);
        assertEquals(1, fused.size());
        assertEquals(3.0 * el, fused.get(0).bytes(), 1e-9);
        List<DbModel.Piece> eager = model.pieces(sglang, device);
        assertEquals(List.of("quantize", "quantize", "quantize", "quantize"), eager.stream().map(DbModel.Piece::cls).toList());
        assertEquals(List.of(6.0 * el, 8.0 * el, 5.0 * el, 2.0 * el), eager.stream().map(DbModel.Piece::bytes).toList());
        // four launches: under one class's per-call cost, the eager row pays it four times where the fused cast pays it once
        FrameworkProfile.ClassFigures cost = new FrameworkProfile.ClassFigures(java.util.OptionalDouble.of(5), java.util.OptionalDouble.empty(),
                java.util.OptionalDouble.of(1));
        FrameworkProfile zero = FrameworkProfile.ideal().withClass("quantize", new FrameworkProfile.ClassFigures(java.util.OptionalDouble.of(0),
                java.util.OptionalDouble.empty(), java.util.OptionalDouble.of(1)));
        FrameworkProfile five = FrameworkProfile.ideal().withClass("quantize", cost);
        assertEquals(model.predictUs(sglang, device, zero) + 4 * 5, model.predictUs(sglang, device, five), 1e-6);
        assertEquals(model.predictUs(vllm, device, zero) + 5, model.predictUs(vllm, device, five), 1e-6);
        // an amax row of SGLang's, or a per-token one, is no eager cast
        assertFalse(DbModel.eagerCast(DbRow.of("quantize m=64 k=4096 step=amax", "h100", "NVIDIA H100 80GB HBM3", "sglang", 30, "test")));
        assertTrue(DbModel.eagerCast(sglang) && !DbModel.eagerCast(vllm));
    }

    @Test
    void sglangsComputescaleRowsAreNoKernelsTime() throws IOException {
        // SGLang's collector logs max(0, its fused per-token kernel - its eager static cast): 0, or a small difference; neither is
        // an amax pass, so the table is left out, and its cast rows are read
        table("h100_sxm/quantize/sglang/0.5.14/computescale_perf.csv.gz", "framework,version,device,op_name,kernel_source,m,k,quant_dtype,latency\n"
                + "SGLang,0.5.14,NVIDIA H100 80GB HBM3,compute_scale,sglang,32768,16384,fp8,0.0\n"
                + "SGLang,0.5.14,NVIDIA H100 80GB HBM3,compute_scale,sglang,4,65536,fp8,8.5e-06\n");
        table("h100_sxm/quantize/sglang/0.5.14/scale_matrix_perf.csv.gz", "framework,version,device,op_name,kernel_source,m,k,quant_dtype,latency\n"
                + "SGLang,0.5.14,NVIDIA H100 80GB HBM3,scale_matrix,sglang,4,65536,fp8,0.0081\n");
        List<DbRow> rows = AicConverter.readAll(dir);
        assertEquals(List.of("quantize m=4 k=65536 step=cast"), rows.stream().map(r -> r.op().text()).toList());
        assertEquals(8.1, rows.get(0).us(), 1e-9);
    }
}
