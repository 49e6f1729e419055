package io.moesim.validation.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceTest {

    @Test
    void opFormRoundTripsAndRejectsBadAttributes() {
        OpForm f = OpForm.parse("matmul m=4096 n=1024 k=512 dtype=bf16");
        assertEquals("matmul m=4096 n=1024 k=512 dtype=bf16", f.text());
        assertEquals(1024, f.getLong("n"));
        assertThrows(IllegalArgumentException.class, () -> OpForm.parse("matmul m=1 m=2"));
        assertThrows(IllegalArgumentException.class, () -> OpForm.parse("matmul m"));
        assertThrows(IllegalArgumentException.class, () -> OpForm.parse("matmul m=x").getLong("m"));
    }

    @Test
    void ratesConvertWithTheSourcesFlopAndByteCounts() {
        OpForm mm = OpForm.parse("matmul m=1000 n=1000 k=1000 dtype=bf16");
        assertEquals(2.0, Conversion.toMicros(mm, new Reported(1000, Reported.Unit.TFLOPS, "2mnk")).us(), 1e-9); // 2e9 FLOP / 1e15
        OpForm att = OpForm.parse("attention batch=2 heads=16 head_dim=128 q_len=8192 kv_len=8192 causal=true dtype=bf16");
        double fa = 4.0 * 2 * 16 * 128 * 8192 * 8192 / 2;
        assertEquals(fa / 500e12 * 1e6, Conversion.toMicros(att, new Reported(500, Reported.Unit.TFLOPS, "flash-attn")).us(), 1e-6);
        OpForm ar = OpForm.parse("all-reduce bytes=1000000000 group=8 dtype=fp32");
        // busbw = algbw * 2(g-1)/g, so time = size * 1.75 / busbw
        assertEquals(1e9 * 1.75 / 400e9 * 1e6, Conversion.toMicros(ar, new Reported(400, Reported.Unit.BUSBW_GBPS, "")).us(), 1e-6);
        OpForm cp = OpForm.parse("memcpy bytes=1000000000");
        assertEquals(1000.0, Conversion.toMicros(cp, new Reported(2000, Reported.Unit.GBPS, "read+write")).us(), 1e-9);
        assertEquals(2500.0, Conversion.toMicros(cp, new Reported(2.5, Reported.Unit.MS, "")).us(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> Conversion.toMicros(mm, new Reported(1, Reported.Unit.TFLOPS, "flash-attn")));
    }

    @Test
    void readerConvertsRatesAndReportsCorruptLinesWithFileAndLine() {
        List<String> lines = List.of(
                "# comment",
                "{\"op\":\"matmul m=1000 n=1000 k=1000 dtype=bf16\",\"gpu\":\"H100\",\"target\":\"h100\",\"reported\":{\"value\":1000,\"unit\":\"TFLOPS\"},\"source\":\"test\"}",
                "",
                "{\"op\":\"matmul m=8 n=8 k=8\",\"gpu\":\"H100\",\"median_us\":3.5,\"p10_us\":3.0,\"p90_us\":4.0,\"reps\":50,\"source\":\"run\"}");
        List<Measurement> ms = TraceReader.parse("t.jsonl", lines);
        assertEquals(2, ms.size());
        assertEquals(2.0, ms.get(0).medianUs(), 1e-9);
        assertTrue(ms.get(0).conversion().contains("TFLOP/s"));
        assertEquals("t.jsonl:4", ms.get(1).where());
        assertTrue(ms.get(1).hasSpread());

        TraceException e = assertThrows(TraceException.class, () -> TraceReader.parse("bad.jsonl", List.of(lines.get(1), "{\"op\":\"matmul m=1\"")));
        assertTrue(e.getMessage().startsWith("bad.jsonl:2: "), e.getMessage());
        assertEquals(2, e.line());
        e = assertThrows(TraceException.class, () -> TraceReader.parse("k.jsonl",
                List.of("{\"op\":\"matmul m=1 n=1 k=1\",\"gpu\":\"g\",\"median_us\":1,\"source\":\"s\",\"medain\":2}")));
        assertTrue(e.getMessage().contains("k.jsonl:1: unknown key 'medain'"), e.getMessage());
        e = assertThrows(TraceException.class, () -> TraceReader.parse("k.jsonl",
                List.of("{\"op\":\"warp m=1\",\"gpu\":\"g\",\"median_us\":1,\"source\":\"s\"}")));
        assertTrue(e.getMessage().contains("unknown op kind 'warp'"), e.getMessage());
        e = assertThrows(TraceException.class, () -> TraceReader.parse("k.jsonl",
                List.of("{\"op\":\"all-reduce bytes=8 group=2\",\"gpu\":\"g\",\"median_us\":1,\"source\":\"s\"}")));
        assertTrue(e.getMessage().contains("needs a \"system\""), e.getMessage());
        e = assertThrows(TraceException.class, () -> TraceReader.parse("k.jsonl",
                List.of("{\"op\":\"matmul m=1 n=1 k=1\",\"gpu\":\"g\",\"median_us\":-1,\"source\":\"s\"}")));
        assertTrue(e.getMessage().startsWith("k.jsonl:1: "), e.getMessage());
        assertTrue(e.getMessage().indexOf('\n') < 0);
        e = assertThrows(TraceException.class, () -> TraceReader.parse("k.jsonl",
                List.of("{\"op\":\"matmul m=1 n=1 k=1\",\"gpu\":\"g\",\"median_us\":1,\"source\":\"s\",\"env\":{\"timing\":\"Torch Eager\"}}")));
        assertTrue(e.getMessage().contains("k.jsonl:1: env.timing"), e.getMessage());
        e = assertThrows(TraceException.class, () -> TraceReader.parse("k.jsonl",
                List.of("{\"op\":\"matmul m=1 n=1 k=1\",\"gpu\":\"g\",\"median_us\":1,\"source\":\"s\",\"env\":{\"load\":\"heavy\"}}")));
        assertTrue(e.getMessage().contains("k.jsonl:1: env.load: 'sustained' or absent, got 'heavy'"), e.getMessage());
        // a fixed clock and a clock under load cannot both be what the row ran at
        e = assertThrows(TraceException.class, () -> TraceReader.parse("k.jsonl",
                List.of("{\"op\":\"matmul m=1 n=1 k=1\",\"gpu\":\"g\",\"median_us\":1,\"source\":\"s\",\"env\":{\"load\":\"sustained\",\"sm_clock_MHz\":1500}}")));
        assertTrue(e.getMessage().contains("k.jsonl:1: env.load"), e.getMessage());
    }

    @Test
    void aRowUnderSustainedLoadSaysSoAndKeepsIt(@TempDir Path dir) {
        Measurement m = TraceReader.parse("k.jsonl", List.of(
                "{\"op\":\"matmul m=8 n=8 k=8\",\"gpu\":\"g\",\"median_us\":3,\"source\":\"s\",\"env\":{\"load\":\"sustained\"}}")).get(0);
        assertTrue(m.env().sustainedLoad());
        assertTrue(!GpuEnvironment.named("g").sustainedLoad());
        Path f = dir.resolve("s.jsonl");
        TraceWriter.write(f, List.of(m));
        assertEquals(m.env(), TraceReader.read(f).get(0).env());
    }

    @Test
    void writerAndReaderRoundTrip(@TempDir Path dir) {
        Measurement m = new Measurement(OpForm.parse("attention batch=1 heads=8 kv_heads=2 head_dim=64 q_len=1 kv_len=100 dtype=bf16"), "NVIDIA H100",
                "h100", "", 12.5, 11.0, 14.0, 50, Optional.empty(), "measured", "moesim GPU runner", "",
                new GpuEnvironment("NVIDIA H100", "12.4", "12.6 (NVRTC)", 1980, 2619, "2025-01-01", "torch-eager"), "", null);
        Path f = dir.resolve("sub/m.jsonl");
        TraceWriter.write(f, List.of(m));
        Measurement back = TraceReader.read(f).get(0);
        assertEquals(m.op(), back.op());
        assertEquals(m.medianUs(), back.medianUs());
        assertEquals(m.p90Us(), back.p90Us());
        assertEquals(m.env(), back.env());
        assertEquals(1, TraceReader.read(dir.resolve("sub")).size()); // a folder reads every *.jsonl
        assertTrue(Files.exists(f));
    }

    @Test
    void splitIsStratifiedByTargetAndKindAndDeterministic() {
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            lines.add("{\"op\":\"matmul m=" + i + " n=64 k=64\",\"gpu\":\"g\",\"target\":\"h100\",\"median_us\":1,\"source\":\"s\"}");
        }
        lines.add("{\"op\":\"memcpy bytes=100\",\"gpu\":\"g\",\"target\":\"h100\",\"median_us\":1,\"source\":\"s\"}");
        lines.add("{\"op\":\"memcpy bytes=200\",\"gpu\":\"g\",\"target\":\"h100\",\"median_us\":1,\"source\":\"s\"}");
        lines.add("{\"op\":\"rms-norm tokens=1 hidden=8\",\"gpu\":\"g\",\"target\":\"h100\",\"median_us\":1,\"source\":\"s\"}");
        List<Measurement> a = TraceReader.parse("s", lines);
        assertEquals(3, a.stream().filter(m -> m.kind().equals("matmul") && m.split() == Split.TEST).count());
        assertEquals(1, a.stream().filter(m -> m.kind().equals("memcpy") && m.split() == Split.TEST).count());
        assertEquals(Split.CALIBRATION, a.get(11).split()); // a kind with one row is only calibrated
        java.util.Collections.reverse(lines);
        List<Measurement> b = TraceReader.parse("s", lines);
        for (Measurement m : a) {
            assertEquals(m.split(), b.stream().filter(x -> x.op().equals(m.op())).findFirst().orElseThrow().split());
        }
    }
}
