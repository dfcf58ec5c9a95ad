package io.tare.kernels.gemm;

import io.tare.kernels.quant.QuantizedRows;

/**
 * The rows of an INT8 GEMM's A given as convolution windows rather than stored (implicit im2col):
 * row {@code i} is the {@code kh} runs of {@code run} unsigned bytes at
 * {@code src[srcOff + offsets[i*kh + t]]}, {@code t = 0..kh-1}, back to back. For a convolution,
 * {@code src} is a padded channels-last image, a run is one window row ({@code kw * C} contiguous
 * bytes) and row {@code i} is output pixel {@code i}'s patch. {@link Gemm} hands each block of
 * rows to the tier ({@link io.tare.kernels.Kernels#int8Windows}), which gathers them as it packs A
 * (the native AVX2 kernel while widening it) or into a small scratch block, so the whole
 * [pixels, k] patch matrix is never written. The scales, zero points and (when B has zero points)
 * row sums still come from a {@link QuantizedRows}, whose bytes are not read.
 *
 * <p>The arrays are the caller's and are not copied; they must not change during the GEMM.
 */
public record WindowRows(byte[] src, int srcOff, int[] offsets, int kh, int run) {
    public WindowRows {
        if (kh < 1 || run < 1) {
            throw new IllegalArgumentException("kh and run must be positive, got " + kh + ", " + run);
        }
    }

    /** Bytes per row: {@code kh * run}, the GEMM's k. */
    public int k() {
        return kh * run;
    }
}
