package io.moesim.validation.gpu;

import io.moesim.ir.DType;

/**
 * CUDA C of the harness's own kernels, compiled at run time with NVRTC. Run-time compilation because
 * the GPU machine then needs only a driver: no nvcc, no CUDA toolkit install, no per-architecture
 * binaries in the jar; NVRTC's library ships inside JCuda's native jar, so one jar carries everything.
 *
 * <p>No CUDA headers are included (NVRTC may not find them on a bare machine): bf16 is handled as its
 * bit pattern in an {@code unsigned short} (round to nearest even, like the reference's
 * {@link io.moesim.validation.reference.Rounding}) and fp16 through PTX {@code cvt}. Matrices are
 * row-major, activations {@code [rows, features]} as in the IR.
 */
public final class Kernels {
    private Kernels() {
    }

    public static final String RMS_NORM = "rms_norm";
    public static final String ROUTER_TOPK = "router_topk";
    public static final String ATTENTION = "attention";
    public static final String SILU_MUL = "silu_mul";
    public static final String GATHER_ROWS = "gather_rows";
    public static final String COMBINE = "combine";
    public static final String ADD = "add_inplace";
    public static final String TO_FLOAT = "to_float";

    /** Largest head dimension the attention kernel holds in registers (8 values per lane). */
    public static final int MAX_HEAD_DIM = 256;

    public static String source(DType dtype) {
        String convert = switch (dtype) {
            case BF16 -> """
                    __device__ __forceinline__ float LD(const T* p, size_t i) { return __uint_as_float(((unsigned int) p[i]) << 16); }
                    __device__ __forceinline__ T TO(float f) {
                        unsigned int u = __float_as_uint(f);
                        if ((u & 0x7fffffffu) > 0x7f800000u) return (T) ((u >> 16) | 0x40u);
                        return (T) ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
                    }
                    """;
            case FP16 -> """
                    __device__ __forceinline__ float LD(const T* p, size_t i) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(p[i])); return f; }
                    __device__ __forceinline__ T TO(float f) { T h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
                    """;
            default -> throw new IllegalArgumentException("GPU kernels support bf16 and fp16, not " + dtype);
        };
        return "typedef unsigned short T;\n" + convert + BODY;
    }

    private static final String BODY = """
            extern "C" __global__ void rms_norm(const T* x, const T* w, T* y, int rows, int cols, float eps) {
                __shared__ float part[32];
                int r = blockIdx.x;
                if (r >= rows) return;
                const size_t base = (size_t) r * cols;
                float ss = 0.f;
                for (int c = threadIdx.x; c < cols; c += blockDim.x) { float v = LD(x, base + c); ss += v * v; }
                for (int off = 16; off > 0; off >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, off);
                if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = ss;
                __syncthreads();
                if (threadIdx.x < 32) {
                    float v = threadIdx.x < (blockDim.x + 31) / 32 ? part[threadIdx.x] : 0.f;
                    for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
                    if (threadIdx.x == 0) part[0] = v;
                }
                __syncthreads();
                float inv = rsqrtf(part[0] / cols + eps);
                for (int c = threadIdx.x; c < cols; c += blockDim.x) y[base + c] = TO(LD(x, base + c) * inv * LD(w, c));
            }

            // One thread per token; experts scanned in index order with a strict '>' so ties go to the lower index.
            extern "C" __global__ void router_topk(const float* logits, int tokens, int experts, int k, int sigmoid, int renorm,
                                                   int* idx, float* wts) {
                int t = blockIdx.x * blockDim.x + threadIdx.x;
                if (t >= tokens) return;
                const float* l = logits + (size_t) t * experts;
                float mx = -INFINITY;
                for (int e = 0; e < experts; e++) mx = fmaxf(mx, l[e]);
                float sum = 0.f;
                if (!sigmoid) for (int e = 0; e < experts; e++) sum += expf(l[e] - mx);
                unsigned long long taken[8] = {0ull, 0ull, 0ull, 0ull, 0ull, 0ull, 0ull, 0ull};
                float chosen = 0.f;
                for (int i = 0; i < k; i++) {
                    int best = -1; float bs = 0.f;
                    for (int e = 0; e < experts; e++) {
                        if (taken[e >> 6] & (1ull << (e & 63))) continue;
                        float s = sigmoid ? 1.f / (1.f + expf(-l[e])) : expf(l[e] - mx) / sum;
                        if (best < 0 || s > bs) { best = e; bs = s; }
                    }
                    taken[best >> 6] |= 1ull << (best & 63);
                    idx[t * k + i] = best; wts[t * k + i] = bs; chosen += bs;
                }
                if (renorm) for (int i = 0; i < k; i++) wts[t * k + i] /= chosen;
            }

            // grid (batch*qLen, heads), 4 warps; each warp streams a share of the keys with an online softmax,
            // lanes split the head dimension; warps are merged through shared memory at the end.
            extern "C" __global__ void attention(const T* q, const T* k, const T* v, T* o, int heads, int kvHeads, int d,
                                                 int qLen, int kvLen, int causal, float scale) {
                __shared__ float sm[4], ss[4], sacc[4 * 256];
                int row = blockIdx.x, h = blockIdx.y;
                int b = row / qLen, i = row % qLen;
                int kvh = h / (heads / kvHeads);
                int visible = causal ? kvLen - qLen + i + 1 : kvLen;
                int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, nw = blockDim.x >> 5;
                int per = (d + 31) / 32;
                float qv[8], acc[8];
                for (int t = 0; t < per; t++) {
                    int c = lane + 32 * t;
                    qv[t] = c < d ? LD(q, (size_t) row * heads * d + (size_t) h * d + c) : 0.f;
                    acc[t] = 0.f;
                }
                float m = -INFINITY, s = 0.f;
                for (int j = warp; j < visible; j += nw) {
                    size_t kr = ((size_t) b * kvLen + j) * kvHeads * d + (size_t) kvh * d;
                    float dot = 0.f;
                    for (int t = 0; t < per; t++) { int c = lane + 32 * t; if (c < d) dot += qv[t] * LD(k, kr + c); }
                    for (int off = 16; off > 0; off >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, off);
                    dot *= scale;
                    float mn = fmaxf(m, dot), corr = __expf(m - mn), p = __expf(dot - mn);
                    s = s * corr + p;
                    for (int t = 0; t < per; t++) { int c = lane + 32 * t; if (c < d) acc[t] = acc[t] * corr + p * LD(v, kr + c); }
                    m = mn;
                }
                if (lane == 0) { sm[warp] = m; ss[warp] = s; }
                for (int t = 0; t < per; t++) { int c = lane + 32 * t; if (c < d) sacc[warp * 256 + c] = acc[t]; }
                __syncthreads();
                if (warp == 0) {
                    float M = -INFINITY;
                    for (int w = 0; w < nw; w++) M = fmaxf(M, sm[w]);
                    float S = 0.f;
                    for (int w = 0; w < nw; w++) S += sm[w] == -INFINITY ? 0.f : ss[w] * __expf(sm[w] - M);
                    for (int t = 0; t < per; t++) {
                        int c = lane + 32 * t;
                        if (c >= d) continue;
                        float a = 0.f;
                        for (int w = 0; w < nw; w++) if (sm[w] != -INFINITY) a += sacc[w * 256 + c] * __expf(sm[w] - M);
                        o[(size_t) row * heads * d + (size_t) h * d + c] = TO(a / S);
                    }
                }
            }

            extern "C" __global__ void silu_mul(const T* g, const T* u, T* out, size_t n) {
                size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
                if (i >= n) return;
                float gv = LD(g, i);
                out[i] = TO(gv / (1.f + __expf(-gv)) * LD(u, i));
            }

            // out row r = x row src[r]
            extern "C" __global__ void gather_rows(const T* x, const int* src, T* out, int rows, int cols) {
                int r = blockIdx.x;
                if (r >= rows) return;
                for (int c = threadIdx.x; c < cols; c += blockDim.x) out[(size_t) r * cols + c] = x[(size_t) src[r] * cols + c];
            }

            // y token t = sum_i w[t,i] * e[pos[t,i]]: pos maps (token, slot) to its row of the expert outputs.
            extern "C" __global__ void combine(const T* e, const int* pos, const float* w, T* y, int tokens, int k, int cols) {
                int t = blockIdx.x;
                if (t >= tokens) return;
                for (int c = threadIdx.x; c < cols; c += blockDim.x) {
                    float a = 0.f;
                    for (int i = 0; i < k; i++) a += w[t * k + i] * LD(e, (size_t) pos[t * k + i] * cols + c);
                    y[(size_t) t * cols + c] = TO(a);
                }
            }

            extern "C" __global__ void add_inplace(T* x, const T* r, size_t n) {
                size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) x[i] = TO(LD(x, i) + LD(r, i));
            }

            extern "C" __global__ void to_float(const T* x, float* y, size_t n) {
                size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) y[i] = LD(x, i);
            }
            """;
}
