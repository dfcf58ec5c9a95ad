package io.tare.kernels;

/** The implementations of {@link Kernels}, from the readable reference to the fastest. */
public enum KernelTier {
    /** Plain Java loops: the reference every other tier is tested against. */
    SCALAR,
    /** Java Vector API ({@code jdk.incubator.vector}). */
    SIMD,
    /** C compiled by the build (AVX-512 VNNI, AVX-VNNI or AVX2), called through FFM. */
    NATIVE
}
