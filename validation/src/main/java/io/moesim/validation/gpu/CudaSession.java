package io.moesim.validation.gpu;

import io.moesim.ir.DType;
import io.moesim.validation.reference.Rounding;
import io.moesim.validation.trace.GpuEnvironment;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.nvrtc.JNvrtc;
import jcuda.nvrtc.nvrtcProgram;

/**
 * One CUDA context on device 0 through JCuda's driver API: NVRTC-compiled modules (one per dtype),
 * a cuBLAS handle when cuBLAS loads, device buffers freed on close, and event timing. Every JCuda
 * call goes through this class, so "no GPU" is detected in one place ({@link #open}).
 */
public final class CudaSession implements AutoCloseable {
    private final CUcontext context;
    private final CUdevice device;
    private final GpuEnvironment environment;
    private final int computeMajor;
    private final int computeMinor;
    private final cublasHandle cublas;
    private final String cublasProblem;
    private final Map<DType, CUmodule> modules = new EnumMap<>(DType.class);
    private final List<CUdeviceptr> buffers = new ArrayList<>();
    private final Map<String, CUdeviceptr> scratch = new java.util.HashMap<>();
    private final Map<String, Long> scratchBytes = new java.util.HashMap<>();

    private CudaSession(CUcontext context, CUdevice device, GpuEnvironment env, int major, int minor, cublasHandle cublas, String cublasProblem) {
        this.context = context;
        this.device = device;
        this.environment = env;
        this.computeMajor = major;
        this.computeMinor = minor;
        this.cublas = cublas;
        this.cublasProblem = cublasProblem;
    }

    /**
     * Opens device 0. Throws {@link NoGpuException} when JCuda's natives cannot load, the driver is
     * missing, or there is no device: the only path a machine without a GPU takes.
     */
    public static CudaSession open() {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            int[] count = {0};
            JCudaDriver.cuDeviceGetCount(count);
            if (count[0] == 0) {
                throw new NoGpuException("the CUDA driver reports no device", null);
            }
            CUdevice dev = new CUdevice();
            JCudaDriver.cuDeviceGet(dev, 0);
            CUcontext ctx = new CUcontext();
            JCudaDriver.cuCtxCreate(ctx, 0, dev);
            byte[] name = new byte[256];
            JCudaDriver.cuDeviceGetName(name, name.length, dev);
            int[] drv = {0};
            JCudaDriver.cuDriverGetVersion(drv);
            int[] nvMajor = {0};
            int[] nvMinor = {0};
            JNvrtc.setExceptionsEnabled(true);
            JNvrtc.nvrtcVersion(nvMajor, nvMinor);
            int sm = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLOCK_RATE); // kHz
            int mem = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE); // kHz
            int major = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
            int minor = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            String gpu = new String(name, StandardCharsets.US_ASCII).trim().replace("\0", "");
            String driver = (drv[0] / 1000) + "." + (drv[0] % 1000 / 10) + " (CUDA driver API)";
            GpuEnvironment env = new GpuEnvironment(gpu, driver, nvMajor[0] + "." + nvMinor[0] + " (NVRTC)", sm / 1000.0, mem / 1000.0,
                    LocalDate.now().toString());
            cublasHandle handle = null;
            String problem = "";
            try {
                JCublas2.setExceptionsEnabled(true);
                handle = new cublasHandle();
                JCublas2.cublasCreate(handle);
            } catch (LinkageError | CudaException e) {
                handle = null;
                problem = "cuBLAS did not load: " + oneLine(e);
            }
            return new CudaSession(ctx, dev, env, major, minor, handle, problem);
        } catch (LinkageError e) {
            throw new NoGpuException("JCuda's native libraries did not load (" + oneLine(e) + ")", e);
        } catch (CudaException e) {
            throw new NoGpuException("the CUDA driver is not usable (" + oneLine(e) + ")", e);
        }
    }

    static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = m.indexOf('\n');
        return (nl >= 0 ? m.substring(0, nl) : m).trim();
    }

    private static int attribute(CUdevice dev, int attr) {
        int[] v = {0};
        JCudaDriver.cuDeviceGetAttribute(v, attr, dev);
        return v[0];
    }

    public GpuEnvironment environment() {
        return environment;
    }

    public boolean hasCublas() {
        return cublas != null;
    }

    public String cublasProblem() {
        return cublasProblem;
    }

    cublasHandle cublas() {
        if (cublas == null) {
            throw new IllegalStateException(cublasProblem);
        }
        return cublas;
    }

    /** The kernel {@code name} of the module for {@code dtype}, compiling the module on first use. */
    CUfunction function(DType dtype, String name) {
        CUmodule module = modules.computeIfAbsent(dtype, this::compile);
        CUfunction f = new CUfunction();
        JCudaDriver.cuModuleGetFunction(f, module, name);
        return f;
    }

    private CUmodule compile(DType dtype) {
        nvrtcProgram prog = new nvrtcProgram();
        JNvrtc.nvrtcCreateProgram(prog, Kernels.source(dtype), "moesim_kernels_" + dtype.text() + ".cu", 0, null, null);
        String arch = "--gpu-architecture=compute_" + computeMajor + computeMinor;
        try {
            JNvrtc.nvrtcCompileProgram(prog, 2, new String[] {arch, "--use_fast_math"});
        } catch (CudaException e) {
            String[] log = new String[1];
            JNvrtc.nvrtcGetProgramLog(prog, log);
            throw new IllegalStateException("NVRTC failed for " + dtype + ": " + log[0], e);
        }
        String[] ptx = new String[1];
        JNvrtc.nvrtcGetPTX(prog, ptx);
        JNvrtc.nvrtcDestroyProgram(prog);
        CUmodule module = new CUmodule();
        JCudaDriver.cuModuleLoadData(module, ptx[0]);
        return module;
    }

    // ---- buffers ----

    CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        JCudaDriver.cuMemAlloc(p, Math.max(bytes, 4));
        buffers.add(p);
        return p;
    }

    /** Uploads fp32 values stored as {@code dtype} (16-bit types rounded like the reference). */
    CUdeviceptr upload(float[] values, DType dtype) {
        if (dtype == DType.FP32) {
            CUdeviceptr p = alloc((long) values.length * Sizeof.FLOAT);
            JCudaDriver.cuMemcpyHtoD(p, Pointer.to(values), (long) values.length * Sizeof.FLOAT);
            return p;
        }
        short[] bits = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = dtype == DType.BF16 ? Rounding.toBf16Bits(values[i]) : Rounding.toFp16Bits(values[i]);
        }
        CUdeviceptr p = alloc((long) bits.length * Sizeof.SHORT);
        JCudaDriver.cuMemcpyHtoD(p, Pointer.to(bits), (long) bits.length * Sizeof.SHORT);
        return p;
    }

    /**
     * A buffer kept by role across calls, so timed repetitions do not pay cuMemAlloc (which
     * synchronises the device); grown when a call needs more.
     */
    CUdeviceptr scratch(String role, long bytes) {
        Long have = scratchBytes.get(role);
        if (have == null || have < bytes) {
            CUdeviceptr p = alloc(bytes);
            scratch.put(role, p);
            scratchBytes.put(role, bytes);
        }
        return scratch.get(role);
    }

    /** Copies ints into the scratch buffer of {@code role}. */
    CUdeviceptr copyInts(String role, int[] values) {
        CUdeviceptr p = scratch(role, (long) values.length * Sizeof.INT);
        JCudaDriver.cuMemcpyHtoD(p, Pointer.to(values), (long) values.length * Sizeof.INT);
        return p;
    }

    CUdeviceptr uploadInts(int[] values) {
        CUdeviceptr p = alloc((long) values.length * Sizeof.INT);
        JCudaDriver.cuMemcpyHtoD(p, Pointer.to(values), (long) values.length * Sizeof.INT);
        return p;
    }

    float[] download(CUdeviceptr p, int count, DType dtype) {
        JCudaDriver.cuCtxSynchronize();
        float[] out = new float[count];
        if (dtype == DType.FP32) {
            JCudaDriver.cuMemcpyDtoH(Pointer.to(out), p, (long) count * Sizeof.FLOAT);
            return out;
        }
        short[] bits = new short[count];
        JCudaDriver.cuMemcpyDtoH(Pointer.to(bits), p, (long) count * Sizeof.SHORT);
        for (int i = 0; i < count; i++) {
            out[i] = dtype == DType.BF16 ? Rounding.fromBf16Bits(bits[i]) : Rounding.fromFp16Bits(bits[i]);
        }
        return out;
    }

    int[] downloadInts(CUdeviceptr p, int count) {
        JCudaDriver.cuCtxSynchronize();
        int[] out = new int[count];
        JCudaDriver.cuMemcpyDtoH(Pointer.to(out), p, (long) count * Sizeof.INT);
        return out;
    }

    /** Frees every buffer allocated since the last call. */
    void freeAll() {
        JCudaDriver.cuCtxSynchronize();
        for (CUdeviceptr p : buffers) {
            JCudaDriver.cuMemFree(p);
        }
        buffers.clear();
        scratch.clear();
        scratchBytes.clear();
    }

    void launch(CUfunction f, int gridX, int gridY, int block, Pointer params) {
        JCudaDriver.cuLaunchKernel(f, gridX, gridY, 1, block, 1, 1, 0, null, params, null);
    }

    /**
     * Runs {@code work} {@code warmup} times untimed, then {@code reps} times each between two events
     * on the default stream; returns the per-repetition times in µs.
     */
    double[] time(Runnable work, int warmup, int reps) {
        for (int i = 0; i < warmup; i++) {
            work.run();
        }
        JCudaDriver.cuCtxSynchronize();
        CUevent start = new CUevent();
        CUevent stop = new CUevent();
        JCudaDriver.cuEventCreate(start, 0);
        JCudaDriver.cuEventCreate(stop, 0);
        double[] us = new double[reps];
        float[] ms = {0f};
        for (int i = 0; i < reps; i++) {
            JCudaDriver.cuEventRecord(start, (CUstream) null);
            work.run();
            JCudaDriver.cuEventRecord(stop, (CUstream) null);
            JCudaDriver.cuEventSynchronize(stop);
            JCudaDriver.cuEventElapsedTime(ms, start, stop);
            us[i] = ms[0] * 1000.0;
        }
        JCudaDriver.cuEventDestroy(start);
        JCudaDriver.cuEventDestroy(stop);
        return us;
    }

    @Override
    public void close() {
        freeAll();
        if (cublas != null) {
            JCublas2.cublasDestroy(cublas);
        }
        for (CUmodule m : modules.values()) {
            JCudaDriver.cuModuleUnload(m);
        }
        JCudaDriver.cuCtxDestroy(context);
    }

    CUdevice device() {
        return device;
    }
}
