package io.tare.kernels.conv;

/**
 * Gathers convolution patches into GEMM rows: row p (an output pixel) holds the patch of group g,
 * ordered (channel, ky, kx) like the ONNX weight layout, so that weights [M, C/g*kh*kw] are B^T.
 * Out-of-image taps get the padding value (0.0, or the input zero point for quantized input so
 * that padding means real zero). Stateless.
 */
final class Im2Col {
    private Im2Col() {
    }

    static void floats(float[] x, int imageOff, ConvGeometry g, int group, float[] rows, int ld) {
        int cg = g.channels() / g.group();
        int oh = g.outHeight();
        int ow = g.outWidth();
        int hw = g.height() * g.width();
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int dst = (oy * ow + ox) * ld;
                for (int c = 0; c < cg; c++) {
                    int plane = imageOff + (group * cg + c) * hw;
                    for (int ky = 0; ky < g.kernelH(); ky++) {
                        int iy = oy * g.strideH() - g.padTop() + ky * g.dilationH();
                        for (int kx = 0; kx < g.kernelW(); kx++) {
                            int ix = ox * g.strideW() - g.padLeft() + kx * g.dilationW();
                            boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                            rows[dst++] = inside ? x[plane + iy * g.width() + ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    static void bytes(byte[] x, int imageOff, ConvGeometry g, int group, byte pad, byte flip, byte[] rows, int ld) {
        int cg = g.channels() / g.group();
        int oh = g.outHeight();
        int ow = g.outWidth();
        int hw = g.height() * g.width();
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int dst = (oy * ow + ox) * ld;
                for (int c = 0; c < cg; c++) {
                    int plane = imageOff + (group * cg + c) * hw;
                    for (int ky = 0; ky < g.kernelH(); ky++) {
                        int iy = oy * g.strideH() - g.padTop() + ky * g.dilationH();
                        for (int kx = 0; kx < g.kernelW(); kx++) {
                            int ix = ox * g.strideW() - g.padLeft() + kx * g.dilationW();
                            boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                            rows[dst++] = (byte) ((inside ? x[plane + iy * g.width() + ix] : pad) ^ flip);
                        }
                    }
                }
            }
        }
    }
}
