package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.MlaAttention;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpRequestsTest {

    private static OpRequest parse(String kind, String... kv) {
        return OpRequests.parse(kind, List.of(kv));
    }

    private static String error(String kind, String... kv) {
        return assertThrows(KernelException.class, () -> parse(kind, kv)).getMessage();
    }

    @Test
    void matmul() {
        OpRequest.Compute c = assertInstanceOf(OpRequest.Compute.class, parse("matmul", "m=64", "n=4096", "k=1024", "dtype=fp16"));
        assertEquals(new MatMul(1024, 4096, DType.FP16), c.op());
        assertEquals("fp16[64,1024]", c.inputs().get(0).toString());
    }

    @Test
    void groupedBothForms() {
        OpRequest.Compute a = (OpRequest.Compute) parse("grouped-matmul", "groups=4", "m_per_group=16", "n=128", "k=64");
        OpRequest.Compute b = (OpRequest.Compute) parse("grouped-matmul", "tokens=16,16,16,16", "n=128", "k=64");
        assertEquals(a.op(), b.op());
        assertEquals(4, ((GroupedMatMul) a.op()).groups());
    }

    @Test
    void attentionAndMla() {
        OpRequest.Compute a = (OpRequest.Compute) parse("attention", "batch=2", "heads=32", "kv_heads=8", "head_dim=128", "q_len=1",
                "kv_len=1024");
        assertEquals(false, ((Attention) a.op()).causal());
        assertEquals(3, a.inputs().size());
        OpRequest.Compute m = (OpRequest.Compute) parse("mla-decode", "batch=4", "kv_len=2048");
        assertTrue(((MlaAttention) m.op()).absorbed());
    }

    @Test
    void attentionOnACacheOfAnotherDtype() {
        // bf16 queries on an fp8 cache: the op's cache is fp8, its operands (this step's q, k, v) bf16; the cache read by hand,
        // 2 sequences x 1023 past keys (the 1024 counting this step's) x (K and V) x 8 KV heads x 128 dims x 1 byte =
        // 4,190,208 bytes, half a bf16 cache's
        OpRequest.Compute a = (OpRequest.Compute) parse("attention", "batch=2", "heads=32", "kv_heads=8", "head_dim=128", "q_len=1",
                "kv_len=1024", "dtype=bf16", "kv_dtype=fp8e4m3");
        assertEquals(DType.FP8_E4M3, ((Attention) a.op()).kvDtype());
        assertEquals(DType.BF16, a.inputs().get(0).dtype());
        OpRequest.Compute b = (OpRequest.Compute) parse("attention", "batch=2", "heads=32", "kv_heads=8", "head_dim=128", "q_len=1",
                "kv_len=1024", "dtype=bf16");
        assertEquals(DType.BF16, ((Attention) b.op()).kvDtype());
        long fp8 = a.op().traffic(a.inputs()).kvReadBytes();
        assertEquals(2L * fp8, b.op().traffic(b.inputs()).kvReadBytes());
        assertEquals(2L * 1023 * 2 * 8 * 128, fp8);
        assertTrue(error("attention", "batch=1", "heads=32", "kv_heads=8", "head_dim=64", "q_len=1", "kv_len=4", "kv_dtype=fp9")
                .contains("kv_dtype"));
    }

    @Test
    void anExpertFfnOfOneExpertIsDenseUnlessRouted() {
        ExpertFfn dense = (ExpertFfn) ((OpRequest.Compute) parse("expert-ffn", "tokens=64", "top_k=1", "hidden=4096", "ffn=14336")).op();
        assertTrue(dense.dense());
        ExpertFfn routed = (ExpertFfn) ((OpRequest.Compute) parse("expert-ffn", "tokens=64", "top_k=1", "hidden=4096", "ffn=14336",
                "routed=true")).op();
        assertTrue(routed.routed());
        assertTrue(((ExpertFfn) ((OpRequest.Compute) parse("expert-ffn", "experts=8", "tokens_per_expert=4", "hidden=64", "ffn=128")).op())
                .routed());
        assertEquals("moesim op expert-ffn: key 'routed' is false but 8 experts are always routed",
                error("expert-ffn", "experts=8", "tokens_per_expert=4", "hidden=64", "ffn=128", "routed=false"));
    }

    @Test
    void memcpyAndCollectives() {
        assertEquals(new OpRequest.Memcpy(1L << 30, java.util.Optional.empty()), parse("memcpy", "bytes=1GiB"));
        OpRequest.Collective c = assertInstanceOf(OpRequest.Collective.class, parse("all-reduce", "bytes=1M", "devices=8"));
        // a bare M is MiB, as nccl-tests' sizes (issue 15); MB is decimal, MiB binary
        assertEquals(1L << 20, c.bytes());
        assertEquals(256L << 20, ((OpRequest.Collective) parse("all-reduce", "bytes=256M", "devices=8")).bytes());
        assertEquals(256_000_000L, ((OpRequest.Collective) parse("all-reduce", "bytes=256MB", "devices=8")).bytes());
        assertEquals(256L << 20, ((OpRequest.Collective) parse("all-reduce", "bytes=256MiB", "devices=8")).bytes());
        assertEquals(2_000_000_000L, ((OpRequest.Collective) parse("all-reduce", "bytes=2GB", "devices=8")).bytes());
        assertEquals(2L << 30, ((OpRequest.Collective) parse("all-reduce", "bytes=2G", "devices=8")).bytes());
        assertEquals(4096, ((OpRequest.Memcpy) parse("memcpy", "bytes=4K")).bytes());
        // found by the fuzz campaign: a memcpy of 2^63-1 bytes reported -2 bytes moved; 2^31 devices wrapped to a negative int
        assertTrue(assertThrows(KernelException.class, () -> parse("memcpy", "bytes=9223372036854775807")).getMessage().contains("too large"));
        assertTrue(assertThrows(KernelException.class, () -> parse("all-reduce", "bytes=1", "devices=2147483648")).getMessage()
                .contains("at most"));
        String msg = assertThrows(KernelException.class, () -> new KernelSimulator().estimate(c, KernelFixtures.h100())).getMessage();
        assertTrue(msg.contains("--system"), msg);
    }

    @Test
    void errorsNameTheKey() {
        assertTrue(error("matmul", "m=64", "n=x", "k=1").contains("key 'n'"));
        assertTrue(error("matmul", "m=64", "k=1").contains("missing key 'n'"));
        assertTrue(error("matmul", "m=64", "n=1", "k=1", "mm=3").contains("unknown key 'mm'"));
        assertTrue(error("matmul", "m=64", "n=1", "k=1", "dtype=fp7").contains("key 'dtype'"));
        assertTrue(error("matmul", "m=0", "n=1", "k=1").contains("key 'm'"));
        assertTrue(error("attention", "batch=1", "heads=30", "kv_heads=8", "head_dim=64", "q_len=1", "kv_len=4").contains("kv_heads"));
        assertTrue(error("convolution").contains("unknown kind"));
        assertTrue(error("memcpy", "bytes").contains("key=value"));
        assertTrue(error("memcpy", "bytes=-3").contains("key 'bytes'"));
    }

    @Test
    void unknownProcessorIsOneLine() {
        OpRequest r = parse("matmul", "m=1", "n=1", "k=1", "processor=tpu");
        String msg = assertThrows(KernelException.class, () -> new KernelSimulator().estimate(r, KernelFixtures.h100())).getMessage();
        assertTrue(msg.contains("no processor 'tpu'"), msg);
    }
}
