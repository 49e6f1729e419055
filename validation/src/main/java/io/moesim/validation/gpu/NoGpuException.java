package io.moesim.validation.gpu;

import io.moesim.ir.MoesimException;

/**
 * No usable NVIDIA GPU: the JCuda natives did not load ({@link LinkageError}), there is no driver, or
 * the driver reports no device ({@code jcuda.CudaException}). The message is one line; the CLI prints
 * it and exits 3 (not 2: the input was fine, the machine is not).
 */
public final class NoGpuException extends MoesimException {
    private static final long serialVersionUID = 1L;

    public NoGpuException(String reason, Throwable cause) {
        super("no GPU: " + reason, cause);
    }
}
