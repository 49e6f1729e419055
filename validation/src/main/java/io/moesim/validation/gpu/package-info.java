/**
 * Measurements on a real NVIDIA GPU through JCuda: a CUDA session, cuBLAS and NVRTC kernels for
 * the IR's ops, numerical checks against the reference executor, and timing ({@code GpuValidation}
 * is the facade). The only package in moesim that may use JCuda; without a GPU it throws
 * {@code NoGpuException} instead of failing.
 */
package io.moesim.validation.gpu;
