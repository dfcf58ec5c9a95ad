package io.tare.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tare.kernels.Kernels;
import io.tare.kernels.Tiers;
import io.tare.kernels.gemm.Activation;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Grouped and depthwise convolutions (absent from the ONNX node tests) against a direct loop. */
class ConvParityTest {
    /** C, H, W, M, kh, kw, stride, dilation, pad, group. */
    private static final int[][] CASES = {
            {4, 7, 9, 6, 3, 3, 1, 1, 1, 2}, // grouped
            {6, 8, 8, 6, 3, 3, 2, 1, 1, 6}, // depthwise, strided
            {3, 13, 5, 5, 2, 3, 1, 2, 0, 1}, // dilated
            {8, 5, 5, 16, 1, 1, 1, 1, 0, 4}, // grouped pointwise
    };

    static Stream<Kernels> tiers() {
        return Tiers.all();
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void fp32MatchesDirectConvolution(Kernels tier) {
        Random rnd = new Random(8);
        for (int[] t : CASES) {
            ConvGeometry g = geometry(t);
            int batch = 2;
            float[] x = new float[batch * g.channels() * g.height() * g.width()];
            float[] w = new float[g.outChannels() * g.patchSize()];
            float[] bias = new float[g.outChannels()];
            fill(rnd, x);
            fill(rnd, w);
            fill(rnd, bias);
            float[] y = new float[batch * g.outChannels() * g.outPixels()];
            Conv2d.fp32(g, new Gemm(tier, null), w).runFp32(x, batch, bias, Activation.RELU, y);
            double[] ref = direct(g, batch, i -> x[i], i -> w[i]);
            for (int i = 0; i < y.length; i++) {
                int ch = (i / g.outPixels()) % g.outChannels();
                assertEquals(Math.max(0, ref[i] + bias[ch]), y[i], 1e-4, tier.tier() + " case " + java.util.Arrays.toString(t));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void int8MatchesDirectConvolutionExactly(Kernels tier) {
        Random rnd = new Random(9);
        for (int[] t : CASES) {
            ConvGeometry g = geometry(t);
            int batch = 2;
            byte[] x = new byte[batch * g.channels() * g.height() * g.width()];
            byte[] w = new byte[g.outChannels() * g.patchSize()];
            rnd.nextBytes(x);
            rnd.nextBytes(w);
            int zx = 200;
            int[] zw = new int[g.outChannels()];
            float[] sw = new float[g.outChannels()];
            for (int m = 0; m < zw.length; m++) {
                zw[m] = m * 7 - 20;
                sw[m] = 1f;
            }
            int[] y = new int[batch * g.outChannels() * g.outPixels()];
            Conv2d.int8(g, new Gemm(tier, null), w, QuantParams.perAxis(DType.INT8, 0, sw, zw))
                    .runInt32(x, batch, DType.UINT8, zx, y);
            int per = g.patchSize();
            double[] ref = direct(g, batch, i -> (x[i] & 0xFF) - zx, i -> w[i] - zw[i / per]);
            int[] want = new int[ref.length];
            for (int i = 0; i < ref.length; i++) {
                want[i] = (int) ref[i];
            }
            assertArrayEquals(want, y, tier.tier() + " case " + java.util.Arrays.toString(t));
        }
    }

    private static ConvGeometry geometry(int[] t) {
        return new ConvGeometry(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[6], t[7], t[7], t[8], t[8], t[8], t[8], t[9]);
    }

    /** Direct convolution; out-of-image taps contribute zero (padding is real zero). */
    private static double[] direct(ConvGeometry g, int batch, java.util.function.IntToDoubleFunction x,
            java.util.function.IntToDoubleFunction w) {
        int cg = g.channels() / g.group();
        int mg = g.groupOutChannels();
        double[] y = new double[batch * g.outChannels() * g.outPixels()];
        for (int n = 0; n < batch; n++) {
            for (int m = 0; m < g.outChannels(); m++) {
                int grp = m / mg;
                for (int oy = 0; oy < g.outHeight(); oy++) {
                    for (int ox = 0; ox < g.outWidth(); ox++) {
                        double s = 0;
                        for (int c = 0; c < cg; c++) {
                            for (int ky = 0; ky < g.kernelH(); ky++) {
                                for (int kx = 0; kx < g.kernelW(); kx++) {
                                    int iy = oy * g.strideH() - g.padTop() + ky * g.dilationH();
                                    int ix = ox * g.strideW() - g.padLeft() + kx * g.dilationW();
                                    if (iy < 0 || iy >= g.height() || ix < 0 || ix >= g.width()) {
                                        continue;
                                    }
                                    int xi = ((n * g.channels() + grp * cg + c) * g.height() + iy) * g.width() + ix;
                                    int wi = ((m * cg + c) * g.kernelH() + ky) * g.kernelW() + kx;
                                    s += x.applyAsDouble(xi) * w.applyAsDouble(wi);
                                }
                            }
                        }
                        y[((n * g.outChannels() + m) * g.outHeight() + oy) * g.outWidth() + ox] = s;
                    }
                }
            }
        }
        return y;
    }

    private static void fill(Random rnd, float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
    }
}
