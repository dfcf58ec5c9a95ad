package io.tare.server.engine.ops;

/**
 * Unfolds 2-D convolution windows into GEMM rows: row p (an output pixel, row-major over the
 * output plane) holds that pixel's window, so that with the weights packed as B^T one GEMM gives
 * the output as [pixels, channels]. This is the layout the kernels' GEMM wants for A (rows
 * contiguous); {@link Im2Col} writes the transposed layout the plain loops use.
 *
 * <p>The image is first copied once into a zero-padded channels-last buffer
 * ({@link #paddedChannelsLast}), so that each window row is one contiguous run of {@code kw * C}
 * values and a patch row is {@code kh} array copies ({@link #fromChannelsLast}); the weights must
 * then be ordered (ky, kx, channel) to match ({@link #channelsLastWeights}). Stateless.
 */
public final class PatchRows {
    /** Window rows shorter than this many bytes are copied by a loop rather than System.arraycopy. */
    private static final int SHORT_RUN = 16;

    private PatchRows() {
    }

    /** Weights [M, C, kh, kw] reordered to [M, kh, kw, C], the K order of {@link #fromChannelsLast}. */
    public static float[] channelsLastWeights(float[] w, int m, int c, int kh, int kw) {
        float[] out = new float[w.length];
        for (int o = 0; o < m; o++) {
            for (int ch = 0; ch < c; ch++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        out[((o * kh + ky) * kw + kx) * c + ch] = w[((o * c + ch) * kh + ky) * kw + kx];
                    }
                }
            }
        }
        return out;
    }

    /** Byte weights [M, C, kh, kw] reordered to [M, kh, kw, C]. */
    public static byte[] channelsLastWeights(byte[] w, int m, int c, int kh, int kw) {
        byte[] out = new byte[w.length];
        for (int o = 0; o < m; o++) {
            for (int ch = 0; ch < c; ch++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        out[((o * kh + ky) * kw + kx) * c + ch] = w[((o * c + ch) * kh + ky) * kw + kx];
                    }
                }
            }
        }
        return out;
    }

    /** Rows and columns of the padded channels-last image. */
    public static int paddedHeight(int h, SpatialGeometry.Layout g) {
        return h + g.padBegin()[0] + g.padEnd()[0];
    }

    public static int paddedWidth(int w, SpatialGeometry.Layout g) {
        return w + g.padBegin()[1] + g.padEnd()[1];
    }

    /**
     * Copies {@code channels} planes of an NCHW image into {@code dst} as [Hp, Wp, C] with the
     * layout's padding filled with 0.
     */
    public static void paddedChannelsLast(float[] x, int xOff, int channels, int h, int w, SpatialGeometry.Layout g,
            float[] dst) {
        int wp = paddedWidth(w, g);
        int total = paddedHeight(h, g) * wp * channels;
        java.util.Arrays.fill(dst, 0, total, 0f);
        int top = g.padBegin()[0];
        int left = g.padBegin()[1];
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * h * w;
            for (int y = 0; y < h; y++) {
                int src = plane + y * w;
                int d = ((y + top) * wp + left) * channels + c;
                for (int xx = 0; xx < w; xx++, d += channels) {
                    dst[d] = x[src + xx];
                }
            }
        }
    }

    /** The byte version: values XORed with {@code flip}, padding {@code pad ^ flip} (the stored zero point). */
    public static void paddedChannelsLast(byte[] x, int xOff, int channels, int h, int w, SpatialGeometry.Layout g,
            byte pad, byte flip, byte[] dst) {
        int wp = paddedWidth(w, g);
        int total = paddedHeight(h, g) * wp * channels;
        java.util.Arrays.fill(dst, 0, total, (byte) (pad ^ flip));
        int top = g.padBegin()[0];
        int left = g.padBegin()[1];
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * h * w;
            for (int y = 0; y < h; y++) {
                int src = plane + y * w;
                int d = ((y + top) * wp + left) * channels + c;
                for (int xx = 0; xx < w; xx++, d += channels) {
                    dst[d] = (byte) (x[src + xx] ^ flip);
                }
            }
        }
    }

    /**
     * The byte version for an image already channels-last ([H, W, C] at {@code xOff}, an NHWC
     * tensor's image): whole rows of {@code w * channels} values copied, XORed with {@code flip}
     * only when it is not 0; padding {@code pad ^ flip}.
     */
    public static void padChannelsLast(byte[] x, int xOff, int channels, int h, int w, SpatialGeometry.Layout g,
            byte pad, byte flip, byte[] dst) {
        int wp = paddedWidth(w, g);
        int hp = paddedHeight(h, g);
        int top = g.padBegin()[0];
        int left = g.padBegin()[1];
        int run = w * channels;
        byte fill = (byte) (pad ^ flip);
        java.util.Arrays.fill(dst, 0, top * wp * channels, fill);
        for (int y = 0; y < h; y++) {
            int d = ((y + top) * wp) * channels;
            java.util.Arrays.fill(dst, d, d + left * channels, fill);
            d += left * channels;
            int src = xOff + y * run;
            if (flip == 0) {
                System.arraycopy(x, src, dst, d, run);
            } else {
                for (int i = 0; i < run; i++) {
                    dst[d + i] = (byte) (x[src + i] ^ flip);
                }
            }
            java.util.Arrays.fill(dst, d + run, d + (wp - left) * channels, fill);
        }
        java.util.Arrays.fill(dst, (top + h) * wp * channels, hp * wp * channels, fill);
    }

    /** Patch rows from a padded channels-last image (any element array: float[] or byte[]). */
    public static void fromChannelsLast(Object padded, int channels, int wp, SpatialGeometry.Layout g, Object rows,
            int ld) {
        fromChannelsLast(padded, 0, channels, wp, g, rows, ld);
    }

    /**
     * Patch rows from a channels-last image at {@code srcOff} whose rows are {@code wp} pixels wide:
     * a padded copy, or an NHWC tensor's image itself when the layout has no padding.
     */
    public static void fromChannelsLast(Object padded, int srcOff, int channels, int wp, SpatialGeometry.Layout g,
            Object rows, int ld) {
        int kh = g.kernel()[0];
        int kw = g.kernel()[1];
        int oh = g.out()[0];
        int ow = g.out()[1];
        int sh = g.stride()[0];
        int sw = g.stride()[1];
        int dh = g.dilation()[0];
        int dw = g.dilation()[1];
        int run = kw * channels;
        if (dw == 1 && padded instanceof byte[] from && rows instanceof byte[] to) {
            byteRuns(from, srcOff, channels, wp, g, run, to, ld);
            return;
        }
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int dst = (oy * ow + ox) * ld;
                for (int ky = 0; ky < kh; ky++) {
                    int src = srcOff + windowRowStart(oy, ox, ky, sh, sw, dh, wp, channels);
                    if (dw == 1) {
                        System.arraycopy(padded, src, rows, dst, run);
                        dst += run;
                    } else {
                        for (int kx = 0; kx < kw; kx++) {
                            System.arraycopy(padded, src + kx * dw * channels, rows, dst, channels);
                            dst += channels;
                        }
                    }
                }
            }
        }
    }

    /**
     * Where each patch row's window rows start, for an implicit im2col GEMM
     * ({@link io.tare.kernels.gemm.WindowRows}) that gathers what {@link #fromChannelsLast} copies:
     * {@code out[p*kh + ky]} is the offset, in a channels-last image {@code wp} pixels wide, of the
     * {@code kw * channels} bytes of output pixel p's window row ky. No dilation along the width
     * (a window row must be contiguous). Returns the entries written, {@code pixels * kh}.
     */
    public static int windowOffsets(int channels, int wp, SpatialGeometry.Layout g, int[] out) {
        if (g.dilation()[1] != 1) {
            throw new IllegalArgumentException("window rows are contiguous only without width dilation");
        }
        int kh = g.kernel()[0];
        int oh = g.out()[0];
        int ow = g.out()[1];
        int sh = g.stride()[0];
        int sw = g.stride()[1];
        int dh = g.dilation()[0];
        int i = 0;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                for (int ky = 0; ky < kh; ky++) {
                    out[i++] = windowRowStart(oy, ox, ky, sh, sw, dh, wp, channels);
                }
            }
        }
        return i;
    }

    /**
     * Row sums of the patch rows that {@link #windowOffsets} describe: {@code sums[p]} is the sum,
     * as unsigned, of output pixel p's {@code kh} window rows of {@code run} bytes at
     * {@code src[srcOff + offsets[p*kh + ky]]} (the zero-point correction for asymmetric weights).
     */
    public static void windowSums(io.tare.kernels.Kernels kernels, byte[] src, int srcOff, int[] offsets, int kh,
            int run, int pixels, int[] sums) {
        for (int p = 0; p < pixels; p++) {
            int s = 0;
            for (int ky = 0; ky < kh; ky++) {
                s += kernels.sumUnsigned(src, srcOff + offsets[p * kh + ky], run);
            }
            sums[p] = s;
        }
    }

    /**
     * Offset, in a channels-last image {@code wp} pixels wide, of the first value of output pixel
     * (oy, ox)'s window row ky: the one place the window geometry becomes an array index.
     */
    private static int windowRowStart(int oy, int ox, int ky, int sh, int sw, int dh, int wp, int channels) {
        return ((oy * sh + ky * dh) * wp + ox * sw) * channels;
    }

    /**
     * {@link #fromChannelsLast} for bytes without dilation, typed so that each copy is the JIT's
     * inline byte copy rather than the generic {@code System.arraycopy(Object, ...)} call with its
     * type checks (the copies are short: a window row is {@code kw * C} bytes); rows shorter than
     * {@link #SHORT_RUN} (a first layer with one or a few channels) go by a plain loop.
     */
    private static void byteRuns(byte[] padded, int srcOff, int channels, int wp, SpatialGeometry.Layout g, int run,
            byte[] rows, int ld) {
        int kh = g.kernel()[0];
        int oh = g.out()[0];
        int ow = g.out()[1];
        int sh = g.stride()[0];
        int sw = g.stride()[1];
        int dh = g.dilation()[0];
        boolean shortRun = run < SHORT_RUN;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int dst = (oy * ow + ox) * ld;
                for (int ky = 0; ky < kh; ky++) {
                    int src = srcOff + windowRowStart(oy, ox, ky, sh, sw, dh, wp, channels);
                    if (shortRun) {
                        for (int i = 0; i < run; i++) {
                            rows[dst + i] = padded[src + i];
                        }
                    } else {
                        System.arraycopy(padded, src, rows, dst, run);
                    }
                    dst += run;
                }
            }
        }
    }
}
