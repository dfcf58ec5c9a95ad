package io.tare.server.engine.ops;

/**
 * Unfolds 2-D convolution windows into a [C*KH*KW, OH*OW] matrix (zeros where a window reads
 * padding), so that a convolution becomes one matrix product. Generic over the element type
 * through two entry points (float for FP32, byte for INT8 with the zero point as padding).
 */
public final class Im2Col {
    private Im2Col() {
    }

    public static void fill(float[] x, int xOff, int channels, int h, int w, SpatialGeometry.Layout g, float[] cols) {
        int kh = g.kernel()[0];
        int kw = g.kernel()[1];
        int oh = g.out()[0];
        int ow = g.out()[1];
        int sh = g.stride()[0];
        int sw = g.stride()[1];
        int dh = g.dilation()[0];
        int dw = g.dilation()[1];
        int ph = g.padBegin()[0];
        int pw = g.padBegin()[1];
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * h * w;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, row++) {
                    int dst = row * oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * sh - ph + ky * dh;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(cols, dst, dst + ow, 0f);
                            dst += ow;
                            continue;
                        }
                        int src = plane + iy * w;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * sw - pw + kx * dw;
                            cols[dst++] = ix >= 0 && ix < w ? x[src + ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    /** The byte version; {@code pad} is the value read outside the input (the zero point). */
    public static void fill(byte[] x, int xOff, int channels, int h, int w, SpatialGeometry.Layout g, byte pad,
            byte[] cols) {
        int kh = g.kernel()[0];
        int kw = g.kernel()[1];
        int oh = g.out()[0];
        int ow = g.out()[1];
        int sh = g.stride()[0];
        int sw = g.stride()[1];
        int dh = g.dilation()[0];
        int dw = g.dilation()[1];
        int ph = g.padBegin()[0];
        int pw = g.padBegin()[1];
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * h * w;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, row++) {
                    int dst = row * oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * sh - ph + ky * dh;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(cols, dst, dst + ow, pad);
                            dst += ow;
                            continue;
                        }
                        int src = plane + iy * w;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * sw - pw + kx * dw;
                            cols[dst++] = ix >= 0 && ix < w ? x[src + ix] : pad;
                        }
                    }
                }
            }
        }
    }
}
