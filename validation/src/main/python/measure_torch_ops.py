#!/usr/bin/env python3
"""Time GPU kernels through PyTorch and write them as moesim measurement-trace rows.

moesim's own GPU runner (`moesim validate --backend jcuda`) needs a JVM and CUDA 12 libraries;
this script needs only PyTorch and measures the kernels serving stacks call: cuBLAS(Lt) GEMMs in
bf16 and fp8 (torch.mm, torch._scaled_mm), grouped GEMMs (torch._grouped_mm, the sm90 CUTLASS
kernel), FlashAttention prefill and decode (scaled_dot_product_attention, flash backend) and
device-to-device copies. Each op is written in `moesim op` form (traces/README.md, "Measurement
traces") so that `moesim validate --measurements FILE` predicts it.

Two timings per op, each a row:
  * graph: CUDA-graph replay of CALLS back-to-back calls over rotating input sets (enough sets
    that their bytes exceed four times the L2, so operands come from DRAM), per-call time =
    replay time / CALLS; median and 10th/90th percentile over REPLAYS replays. No host cost:
    the kernel time as moesim's `latency_us` (back to back) means it.
  * eager: triton.testing.do_bench (L2 flushed before each call, events around each call,
    median), env.timing = "torch-eager": what a Python benchmark of the op measures.

Every GEMM and attention output is checked once against a float32 reference (relative
Frobenius error < 3e-2 on the same bf16 or fp8 inputs) before it is timed; a failed check drops
the op (printed as SKIPPED).
Usage: measure_torch_ops.py OUT.jsonl [--quick]
"""
import datetime
import json
import math
import subprocess
import sys
import traceback

import torch
import torch.nn.functional as F

CALLS = 20
REPLAYS = 7
L2_BYTES = 60 * 1024 * 1024  # read below from the device where PyTorch exposes it
TOLERANCE = 3e-2  # relative error against float32 on the same (bf16 or fp8) inputs; NaN fails too

SCRIPT = "validation/src/main/python/measure_torch_ops.py"


def smi(query):
    try:
        r = subprocess.run(["nvidia-smi", "--query-gpu=" + query, "--format=csv,noheader,nounits"],
                           capture_output=True, text=True, timeout=20)
        return r.stdout.strip()
    except Exception as e:  # noqa: BLE001 - provenance only
        return "n/a (%s)" % e


def rel_err(out, ref):
    out = out.float()
    ref = ref.float()
    return (torch.linalg.vector_norm(out - ref) / torch.linalg.vector_norm(ref)).item()


def n_sets(bytes_per_set):
    return max(1, min(16, math.ceil(4 * L2_BYTES / max(1, bytes_per_set))))


def time_graph(calls_per_set):
    """calls_per_set: zero-argument callables, one per input set; returns (median, p10, p90) us per call."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(2):
            for f in calls_per_set:
                f()
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for i in range(CALLS):
            calls_per_set[i % len(calls_per_set)]()
    g.replay()
    g.replay()
    torch.cuda.synchronize()
    per_call = []
    for _ in range(REPLAYS):
        st = torch.cuda.Event(enable_timing=True)
        en = torch.cuda.Event(enable_timing=True)
        st.record()
        g.replay()
        en.record()
        en.synchronize()
        per_call.append(st.elapsed_time(en) * 1000.0 / CALLS)
    del g
    per_call.sort()
    return quantile(per_call, 0.5), quantile(per_call, 0.1), quantile(per_call, 0.9)


def quantile(sorted_xs, q):
    pos = q * (len(sorted_xs) - 1)
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


def time_eager(fn):
    import triton.testing
    return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median") * 1000.0


def kernel_names(fn):
    """The CUDA kernels one call launches, by PyTorch's profiler (provenance for the row's note)."""
    try:
        from torch.profiler import ProfilerActivity, profile
        fn()
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            fn()
            torch.cuda.synchronize()
        names = []
        for e in prof.events():
            if e.device_type == torch.autograd.DeviceType.CUDA and e.name not in names:
                names.append(e.name)
        return [n if len(n) <= 120 else n[:117] + "..." for n in names]
    except Exception as e:  # noqa: BLE001 - provenance only
        return ["(profiler: %s)" % type(e).__name__]


class Writer:
    def __init__(self, path, env, gpu):
        self.f = open(path, "w")
        self.env = env
        self.gpu = gpu
        self.rows = 0
        self.f.write("# Kernel times measured on %s through PyTorch %s by %s (see traces/measured/README.md).\n"
                     % (gpu, torch.__version__, SCRIPT))

    def row(self, op, how, median, p10, p90, reps, kernels, extra):
        env = dict(self.env)
        if how == "graph":
            src = ("measured by moesim's %s, %s: CUDA-graph replay of %d back-to-back calls over rotating input sets "
                   "(L2 cold), median of %d replays; figure is a time" % (SCRIPT, self.env["date"], CALLS, REPLAYS))
        else:
            env["timing"] = "torch-eager"
            src = ("measured by moesim's %s, %s: triton.testing.do_bench (L2 flushed, events around each eager call, "
                   "median); figure is a time" % (SCRIPT, self.env["date"]))
        r = {"op": op, "gpu": self.gpu, "target": "h200" if "H200" in self.gpu else None, "median_us": round(median, 3)}
        if r["target"] is None:
            del r["target"]
        if p10 is not None:
            r["p10_us"] = round(p10, 3)
            r["p90_us"] = round(p90, 3)
        if reps:
            r["reps"] = reps
        r["source"] = src
        r["note"] = extra + ("; kernels: " + ", ".join(kernels) if kernels else "")
        r["env"] = env
        self.f.write(json.dumps(r) + "\n")
        self.f.flush()
        self.rows += 1


def measure(w, op, make_sets, check, extra, eager=True):
    """make_sets(n) -> list of callables; check() -> relative error or None; both raise on failure."""
    try:
        err = check() if check else None
        if err is not None and not err <= TOLERANCE:
            raise RuntimeError("output differs from the float32 reference: rel. error %s" % err)
        one = make_sets(1)
        kernels = kernel_names(one[0])
        sets = make_sets(None)
        med, p10, p90 = time_graph(sets)
        note = extra + ("; check vs fp32 reference: rel. error %.2e" % err if err is not None else "")
        w.row(op, "graph", med, p10, p90, CALLS * REPLAYS, kernels, note + "; %d input set(s)" % len(sets))
        e = None
        if eager:
            try:
                e = time_eager(one[0])
                w.row(op, "eager", e, None, None, None, kernels, note)
            except Exception as ex:  # noqa: BLE001 - the graph row stands without it
                print("no eager row for %s: %s: %s" % (op, type(ex).__name__, ex), flush=True)
        print("%-90s graph %10.2f us%s" % (op, med, ("   eager %10.2f us" % e) if e is not None else ""), flush=True)
        del sets, one
    except Exception as ex:  # noqa: BLE001 - one op's failure must not stop the run
        print("SKIPPED %s: %s: %s" % (op, type(ex).__name__, str(ex).splitlines()[0] if str(ex) else ""), flush=True)
        traceback.print_exc(limit=2, file=sys.stdout)
    torch.cuda.empty_cache()


# ------------------------------------------------------------------ ops

def gemm_bf16(w, m, n, k):
    def inputs():
        return torch.randn(m, k, device="cuda", dtype=torch.bfloat16), torch.randn(n, k, device="cuda", dtype=torch.bfloat16) / math.sqrt(k)

    def check():
        a, b = inputs()
        return rel_err(torch.mm(a, b.t()), a.float() @ b.float().t())

    def make(count):
        per = (m * k + n * k + m * n) * 2
        sets = [inputs() for _ in range(count or n_sets(per))]
        return [(lambda a=a, b=b: torch.mm(a, b.t())) for a, b in sets]

    measure(w, "matmul m=%d n=%d k=%d dtype=bf16" % (m, n, k), make, check,
            "torch.mm(A[m,k], W[n,k].t()) bf16 (cuBLAS)")


def gemm_fp8(w, m, n, k):
    one = torch.ones((), device="cuda", dtype=torch.float32)

    def inputs():
        a = (torch.randn(m, k, device="cuda") * 0.5).to(torch.float8_e4m3fn)
        b = (torch.randn(n, k, device="cuda") * 0.5).to(torch.float8_e4m3fn)
        return a, b

    def check():
        a, b = inputs()
        out = torch._scaled_mm(a, b.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
        return rel_err(out, a.float() @ b.float().t())

    def make(count):
        per = m * k + n * k + m * n * 2
        sets = [inputs() for _ in range(count or n_sets(per))]
        return [(lambda a=a, b=b: torch._scaled_mm(a, b.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)) for a, b in sets]

    measure(w, "matmul m=%d n=%d k=%d dtype=fp8e4m3" % (m, n, k), make, check,
            "torch._scaled_mm(A[m,k] e4m3, W[n,k].t() e4m3, per-tensor scales, bf16 out) (cuBLASLt); activations already fp8: no quantise kernel")


def grouped_bf16(w, groups, m, n, k):
    total = groups * m

    def inputs():
        a = torch.randn(total, k, device="cuda", dtype=torch.bfloat16)
        b = (torch.randn(groups, n, k, device="cuda", dtype=torch.bfloat16) / math.sqrt(k)).transpose(-2, -1)
        offs = torch.arange(m, total + 1, m, device="cuda", dtype=torch.int32)
        return a, b, offs

    def check():
        a, b, offs = inputs()
        out = torch._grouped_mm(a, b, offs=offs)
        ref = torch.cat([a[g * m:(g + 1) * m].float() @ b[g].float() for g in range(groups)])
        return rel_err(out, ref)

    def make(count):
        per = (total * k + groups * n * k + total * n) * 2
        sets = [inputs() for _ in range(count or n_sets(per))]
        return [(lambda a=a, b=b, o=o: torch._grouped_mm(a, b, offs=o)) for a, b, o in sets]

    measure(w, "grouped-matmul groups=%d m=%d n=%d k=%d dtype=bf16" % (groups, m, n, k), make, check,
            "torch._grouped_mm(A[groups*m,k], W[groups,k,n] (column-major), offs) bf16, equal groups")


def attention(w, batch, heads, kv_heads, hd, q_len, kv_len, causal):
    from torch.nn.attention import SDPBackend, sdpa_kernel
    gqa = heads != kv_heads

    def inputs():
        q = torch.randn(batch, heads, q_len, hd, device="cuda", dtype=torch.bfloat16)
        kk = torch.randn(batch, kv_heads, kv_len, hd, device="cuda", dtype=torch.bfloat16)
        v = torch.randn(batch, kv_heads, kv_len, hd, device="cuda", dtype=torch.bfloat16)
        return q, kk, v

    def call(q, kk, v):
        with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
            return F.scaled_dot_product_attention(q, kk, v, is_causal=causal, enable_gqa=gqa)

    def check():
        q, kk, v = inputs()
        out = call(q, kk, v)
        rep = heads // kv_heads
        kf = kk.float().repeat_interleave(rep, dim=1)
        vf = v.float().repeat_interleave(rep, dim=1)
        # a reference on at most 4 sequences and their last 512 queries (memory): the kernel's rows are independent
        b = min(batch, 4)
        qs = min(q_len, 512)
        s = (q[:b, :, q_len - qs:].float() @ kf[:b].transpose(-2, -1)) / math.sqrt(hd)
        if causal:
            mask = torch.ones(qs, kv_len, device="cuda", dtype=torch.bool).tril(kv_len - qs)
            s = s.masked_fill(~mask, float("-inf"))
        ref = torch.softmax(s, dim=-1) @ vf[:b]
        return rel_err(out[:b, :, q_len - qs:], ref)

    def make(count):
        per = (batch * heads * q_len * hd * 2 + batch * kv_heads * kv_len * hd * 2) * 2
        sets = [inputs() for _ in range(count or n_sets(per))]
        return [(lambda s=s: call(*s)) for s in sets]

    op = "attention batch=%d heads=%d kv_heads=%d head_dim=%d q_len=%d kv_len=%d causal=%s dtype=bf16" % (
        batch, heads, kv_heads, hd, q_len, kv_len, "true" if causal else "false")
    measure(w, op, make, check, "F.scaled_dot_product_attention, flash backend only, layout [batch, heads, seq, head_dim], "
            "contiguous (not paged) KV%s" % (", enable_gqa" if gqa else ""))


def copy(w, size):
    def make(count):
        sets = [(torch.empty(size, device="cuda", dtype=torch.uint8), torch.empty(size, device="cuda", dtype=torch.uint8))
                for _ in range(count or n_sets(2 * size))]
        for src, _ in sets:
            src.random_(0, 255)
        return [(lambda s=s, d=d: d.copy_(s)) for s, d in sets]

    measure(w, "memcpy bytes=%d" % size, make, None,
            "Tensor.copy_ device to device: each byte read once and written once")


def main():
    global L2_BYTES
    out = sys.argv[1]
    quick = "--quick" in sys.argv
    torch.manual_seed(1234)
    props = torch.cuda.get_device_properties(0)
    L2_BYTES = getattr(props, "L2_cache_size", L2_BYTES) or L2_BYTES
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    env = {"driver": smi("driver_version"), "cuda": torch.version.cuda, "date": date}
    gpu = "%s (%d SMs, %.0f GiB; moesim's lent device machine)" % (props.name, props.multi_processor_count,
                                                                   props.total_memory / 2**30)
    print("GPU:", gpu, "| torch", torch.__version__, "| cuda", torch.version.cuda, "| driver", env["driver"], flush=True)
    print("clocks before (sm, mem, max sm, power limit):", smi("clocks.sm,clocks.mem,clocks.max.sm,power.limit"), flush=True)
    w = Writer(out, env, gpu)

    gemm_nk = [(6144, 4096), (4096, 4096), (28672, 4096), (4096, 14336),  # Mixtral-8x7B: qkv, o, expert gate+up, down
               (4096, 7168), (7168, 2048), (1536, 7168), (576, 7168)]      # DeepSeek-V3: expert gate+up, down, q_a, kv_a
    ms = [1, 16, 64, 256, 1024, 4096, 16384]
    if quick:
        gemm_nk, ms = gemm_nk[:2], [16, 1024]
    for n, k in gemm_nk:
        for m in ms:
            gemm_bf16(w, m, n, k)
    for n, k in gemm_nk:
        for m in ms:
            if m >= 16:
                gemm_fp8(w, m, n, k)
    grouped = [(8, 28672, 4096), (8, 4096, 14336), (32, 4096, 7168), (16, 3072, 4096)]  # Mixtral; DeepSeek-V3 EP8; Qwen3-235B EP8
    for groups, n, k in (grouped[:1] if quick else grouped):
        for m in ([64] if quick else [16, 64, 256, 1024]):
            grouped_bf16(w, groups, m, n, k)
    prefill = [(1, 1024), (1, 4096), (1, 16384), (4, 2048), (16, 512), (64, 128)]
    for batch, s in (prefill[:2] if quick else prefill):
        attention(w, batch, 32, 8, 128, s, s, True)
    for batch, s in ([] if quick else [(1, 4096), (16, 512)]):
        attention(w, batch, 32, 8, 128, s, s, False)
        attention(w, batch, 32, 32, 64, s, s, False)
    for batch in ([8] if quick else [1, 8, 32, 128]):
        for kv in ([4096] if quick else [1024, 4096, 16384]):
            attention(w, batch, 32, 8, 128, 1, kv, False)
    for size in ([2**28] if quick else [2**26, 2**28, 2**30, 2**32]):
        copy(w, size)
    print("clocks after (sm, mem, max sm, power limit):", smi("clocks.sm,clocks.mem,clocks.max.sm,power.limit"), flush=True)
    print("rows written:", w.rows, flush=True)


if __name__ == "__main__":
    main()
