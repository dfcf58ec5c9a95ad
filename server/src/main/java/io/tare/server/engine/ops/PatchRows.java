package io.tare.server.engine.ops;

/**
 * Unfolds 2-D convolution windows into GEMM rows: row p (an output pixel, row-major over the
 * output plane) holds that pixel's window ordered (channel, ky, kx), the order of an ONNX weight
 * [M, C, kh, kw] read as [M, C*kh*kw]. With the weights packed as B^T, one GEMM then gives the
 * output as [pixels, channels]. This is the layout the kernels' GEMM wants for A (rows contiguous);
 * {@link Im2Col} writes the transposed layout the plain loops use. Stateless.
 */
public final class PatchRows {
    private PatchRows() {
    }

    /** Float patches; windows reading outside the input get 0. Rows are {@code ld} floats apart. */
    public static void floats(float[] x, int xOff, int channels, int h, int w, SpatialGeometry.Layout g,
            float[] rows, int ld) {
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
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int dst = (oy * ow + ox) * ld;
                int x0 = ox * sw - pw;
                for (int c = 0; c < channels; c++) {
                    int plane = xOff + c * h * w;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy * sh - ph + ky * dh;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(rows, dst, dst + kw, 0f);
                            dst += kw;
                            continue;
                        }
                        int src = plane + iy * w;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = x0 + kx * dw;
                            rows[dst++] = ix >= 0 && ix < w ? x[src + ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * Byte patches for the INT8 GEMM, whose A operand is unsigned: each byte is XORed with
     * {@code flip} (0x80 turns int8 into the same value shifted by +128, 0 keeps uint8), and windows
     * reading outside the input get {@code pad ^ flip} (the zero point, so padding is a real zero).
     */
    public static void bytes(byte[] x, int xOff, int channels, int h, int w, SpatialGeometry.Layout g, byte pad,
            byte flip, byte[] rows, int ld) {
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
        byte padStored = (byte) (pad ^ flip);
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int dst = (oy * ow + ox) * ld;
                int x0 = ox * sw - pw;
                for (int c = 0; c < channels; c++) {
                    int plane = xOff + c * h * w;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy * sh - ph + ky * dh;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(rows, dst, dst + kw, padStored);
                            dst += kw;
                            continue;
                        }
                        int src = plane + iy * w;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = x0 + kx * dw;
                            rows[dst++] = ix >= 0 && ix < w ? (byte) (x[src + ix] ^ flip) : padStored;
                        }
                    }
                }
            }
        }
    }
}
