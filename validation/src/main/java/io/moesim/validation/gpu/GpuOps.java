package io.moesim.validation.gpu;

import io.moesim.ir.DType;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.cudaDataType;
import jcuda.driver.CUdeviceptr;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasOperation;

/**
 * Launches of the IR's ops on device buffers: cuBLAS for the matrix products, the NVRTC kernels of
 * {@link Kernels} for the rest. Row-major throughout; cuBLAS (column-major) computes a row-major
 * {@code C = A·B} as {@code Cᵀ = Bᵀ·Aᵀ}, which needs no transposes in memory.
 */
final class GpuOps {
    private final CudaSession s;

    GpuOps(CudaSession s) {
        this.s = s;
    }

    static int cudaType(DType d) {
        return switch (d) {
            case BF16 -> cudaDataType.CUDA_R_16BF;
            case FP16 -> cudaDataType.CUDA_R_16F;
            case FP32 -> cudaDataType.CUDA_R_32F;
            default -> throw new IllegalArgumentException("cuBLAS path supports bf16, fp16, fp32, not " + d);
        };
    }

    static long elemBytes(DType d) {
        return d == DType.FP32 ? Sizeof.FLOAT : Sizeof.SHORT;
    }

    /** Row-major {@code C[m,n] = A[m,k]·B[k,n]}, fp32 accumulation; C in {@code out} dtype. */
    void gemm(Pointer a, Pointer b, Pointer c, int m, int n, int k, DType in, DType out) {
        JCublas2.cublasGemmEx(s.cublas(), cublasOperation.CUBLAS_OP_N, cublasOperation.CUBLAS_OP_N, n, m, k,
                Pointer.to(new float[] {1f}), b, cudaType(in), n, a, cudaType(in), k,
                Pointer.to(new float[] {0f}), c, cudaType(out), n, cublasComputeType.CUBLAS_COMPUTE_32F, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT);
    }

    /** One GEMM per group over token-sorted rows; groups without tokens are skipped (their weights are never read). */
    void groupedGemm(CUdeviceptr x, CUdeviceptr[] w, CUdeviceptr y, int[] tokens, int k, int n, DType dt) {
        long row = 0;
        for (int g = 0; g < tokens.length; g++) {
            if (tokens[g] == 0) {
                continue;
            }
            gemm(x.withByteOffset(row * k * elemBytes(dt)), w[g], y.withByteOffset(row * n * elemBytes(dt)), tokens[g], n, k, dt, dt);
            row += tokens[g];
        }
    }

    void rmsNorm(CUdeviceptr x, CUdeviceptr w, CUdeviceptr y, int rows, int cols, float eps, DType dt) {
        s.launch(s.function(dt, Kernels.RMS_NORM), rows, 1, 256,
                Pointer.to(Pointer.to(x), Pointer.to(w), Pointer.to(y), Pointer.to(new int[] {rows}), Pointer.to(new int[] {cols}),
                        Pointer.to(new float[] {eps})));
    }

    void routerTopK(CUdeviceptr logits, int tokens, int experts, int k, boolean sigmoid, boolean renorm, CUdeviceptr idx, CUdeviceptr wts,
            DType dt) {
        if (experts > 512) {
            throw new IllegalArgumentException("router kernel handles at most 512 experts");
        }
        s.launch(s.function(dt, Kernels.ROUTER_TOPK), (tokens + 127) / 128, 1, 128,
                Pointer.to(Pointer.to(logits), Pointer.to(new int[] {tokens}), Pointer.to(new int[] {experts}), Pointer.to(new int[] {k}),
                        Pointer.to(new int[] {sigmoid ? 1 : 0}), Pointer.to(new int[] {renorm ? 1 : 0}), Pointer.to(idx), Pointer.to(wts)));
    }

    void attention(CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr o, int batch, int heads, int kvHeads, int d, int qLen, int kvLen,
            boolean causal, DType dt) {
        if (d > Kernels.MAX_HEAD_DIM) {
            throw new IllegalArgumentException("attention kernel handles head_dim <= " + Kernels.MAX_HEAD_DIM);
        }
        s.launch(s.function(dt, Kernels.ATTENTION), batch * qLen, heads, 128,
                Pointer.to(Pointer.to(q), Pointer.to(k), Pointer.to(v), Pointer.to(o), Pointer.to(new int[] {heads}),
                        Pointer.to(new int[] {kvHeads}), Pointer.to(new int[] {d}), Pointer.to(new int[] {qLen}), Pointer.to(new int[] {kvLen}),
                        Pointer.to(new int[] {causal ? 1 : 0}), Pointer.to(new float[] {(float) (1.0 / Math.sqrt(d))})));
    }

    void siluMul(Pointer g, Pointer u, Pointer out, long n, DType dt) {
        s.launch(s.function(dt, Kernels.SILU_MUL), (int) ((n + 255) / 256), 1, 256,
                Pointer.to(Pointer.to(g), Pointer.to(u), Pointer.to(out), Pointer.to(new long[] {n})));
    }

    void gatherRows(CUdeviceptr x, CUdeviceptr src, CUdeviceptr out, int rows, int cols, DType dt) {
        s.launch(s.function(dt, Kernels.GATHER_ROWS), Math.max(rows, 1), 1, 256,
                Pointer.to(Pointer.to(x), Pointer.to(src), Pointer.to(out), Pointer.to(new int[] {rows}), Pointer.to(new int[] {cols})));
    }

    void combine(CUdeviceptr e, CUdeviceptr pos, CUdeviceptr w, CUdeviceptr y, int tokens, int k, int cols, DType dt) {
        s.launch(s.function(dt, Kernels.COMBINE), tokens, 1, 256,
                Pointer.to(Pointer.to(e), Pointer.to(pos), Pointer.to(w), Pointer.to(y), Pointer.to(new int[] {tokens}),
                        Pointer.to(new int[] {k}), Pointer.to(new int[] {cols})));
    }

    void addInPlace(CUdeviceptr x, CUdeviceptr r, long n, DType dt) {
        s.launch(s.function(dt, Kernels.ADD), (int) ((n + 255) / 256), 1, 256,
                Pointer.to(Pointer.to(x), Pointer.to(r), Pointer.to(new long[] {n})));
    }
}
