package io.tare.kernels.conv;

import io.tare.kernels.gemm.Activation;
import io.tare.kernels.gemm.Epilogue;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.gemm.PackedFloatMatrix;
import io.tare.kernels.gemm.PackedInt8Matrix;
import io.tare.kernels.quant.QuantizedRows;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;

/**
 * 2-D convolution (NCHW) as im2col + the {@link Gemm} kernels, one GEMM per image and group:
 * A = patches [OH*OW, C/g*kh*kw], B = the group's weights (packed once, as B^T), C = [OH*OW, M/g],
 * scattered to NCHW. Grouped and depthwise convolutions take the same path (depthwise is one
 * GEMM per channel with k = kh*kw, correct but not a specialised kernel).
 *
 * <p>One instance per convolution layer, built at model load. {@code run*} methods are not
 * thread-safe: they reuse this layer's scratch buffers (allocated once in the constructor).
 */
public final class Conv2d {
    private final ConvGeometry geometry;
    private final Gemm gemm;
    private final PackedFloatMatrix[] floatWeights;
    private final PackedInt8Matrix[] int8Weights;
    private final float[] floatPatches;
    private final float[] floatOut;
    private final QuantizedRows bytePatches;
    private final int[] intOut;

    private Conv2d(ConvGeometry geometry, Gemm gemm, PackedFloatMatrix[] fw, PackedInt8Matrix[] qw) {
        this.geometry = geometry;
        this.gemm = gemm;
        this.floatWeights = fw;
        this.int8Weights = qw;
        int p = geometry.outPixels();
        int k = geometry.patchSize();
        int n = geometry.groupOutChannels();
        this.floatPatches = fw != null ? new float[p * k] : null;
        this.floatOut = fw != null ? new float[p * n] : null;
        this.bytePatches = qw != null ? new QuantizedRows(p, k) : null;
        this.intOut = qw != null ? new int[p * n] : null;
    }

    /** FP32 convolution; {@code weights} is [M, C/group, kh, kw] contiguous. */
    public static Conv2d fp32(ConvGeometry g, Gemm gemm, float[] weights) {
        PackedFloatMatrix[] packed = new PackedFloatMatrix[g.group()];
        int n = g.groupOutChannels();
        int k = g.patchSize();
        for (int grp = 0; grp < g.group(); grp++) {
            packed[grp] = gemm.packFloat(weights, grp * n * k, k, n, true);
        }
        return new Conv2d(g, gemm, packed, null);
    }

    /**
     * Integer convolution; {@code weights} [M, C/group, kh, kw] as INT8/UINT8 with parameters per
     * tensor or per output channel (axis 0).
     */
    public static Conv2d int8(ConvGeometry g, Gemm gemm, byte[] weights, QuantParams weightParams) {
        PackedInt8Matrix[] packed = new PackedInt8Matrix[g.group()];
        int n = g.groupOutChannels();
        int k = g.patchSize();
        for (int grp = 0; grp < g.group(); grp++) {
            packed[grp] = gemm.packInt8(weights, grp * n * k, k, n, true, groupSlice(weightParams, grp * n, n));
        }
        return new Conv2d(g, gemm, null, packed);
    }

    private static QuantParams groupSlice(QuantParams p, int from, int n) {
        if (p.isPerTensor()) {
            return p;
        }
        float[] s = new float[n];
        int[] z = new int[n];
        for (int j = 0; j < n; j++) {
            s[j] = p.scale(from + j);
            z[j] = p.zeroPoint(from + j);
        }
        return QuantParams.perAxis(p.dtype(), 0, s, z);
    }

    public ConvGeometry geometry() {
        return geometry;
    }

    /** y[N, M, OH, OW] = conv(x[N, C, H, W]) + bias, then activation. {@code bias} may be null. */
    public void runFp32(float[] x, int batch, float[] bias, Activation act, float[] y) {
        ConvGeometry g = geometry;
        int p = g.outPixels();
        int k = g.patchSize();
        int n = g.groupOutChannels();
        int imageIn = g.channels() * g.height() * g.width();
        for (int img = 0; img < batch; img++) {
            for (int grp = 0; grp < g.group(); grp++) {
                Im2Col.floats(x, img * imageIn, g, grp, floatPatches, k);
                gemm.sgemm(floatPatches, 0, k, p, floatWeights[grp], floatOut, 0, n, Epilogue.NONE);
                for (int j = 0; j < n; j++) {
                    int ch = grp * n + j;
                    float b = bias == null ? 0f : bias[ch];
                    int dst = (img * g.outChannels() + ch) * p;
                    for (int px = 0; px < p; px++) {
                        y[dst + px] = act.apply(floatOut[px * n + j] + b);
                    }
                }
            }
        }
    }

    /**
     * Exact int32 convolution of quantized input (ONNX ConvInteger): {@code sum (x - zx)(w - zw)}.
     * {@code xType} INT8 or UINT8 with per-tensor zero point {@code zx}.
     */
    public void runInt32(byte[] x, int batch, DType xType, int zx, int[] y) {
        forEachGroup(x, batch, xType, zx, 1f, (img, grp) -> {
            int n = geometry.groupOutChannels();
            int p = geometry.outPixels();
            for (int j = 0; j < n; j++) {
                int dst = (img * geometry.outChannels() + grp * n + j) * p;
                for (int px = 0; px < p; px++) {
                    y[dst + px] = intOut[px * n + j];
                }
            }
        });
    }

    /**
     * Quantized convolution (ONNX QLinearConv): {@code saturate(rint((acc + bias) * (sx * sw / sy)) + zy)}
     * with int32 {@code bias} (scale sx*sw, may be null), computed in double like the ONNX reference.
     */
    public void runQuantized(byte[] x, int batch, DType xType, float sx, int zx, int[] bias, QuantParams out,
            byte[] y) {
        PackedInt8Matrix[] w = int8Weights;
        float sy = out.scale(0);
        int zy = out.zeroPoint(0);
        int qmin = out.dtype().qmin();
        int qmax = out.dtype().qmax();
        forEachGroup(x, batch, xType, zx, sx, (img, grp) -> {
            int n = geometry.groupOutChannels();
            int p = geometry.outPixels();
            for (int j = 0; j < n; j++) {
                int ch = grp * n + j;
                float multiplier = sx * w[grp].scale(j) / sy;
                int b = bias == null ? 0 : bias[ch];
                int dst = (img * geometry.outChannels() + ch) * p;
                for (int px = 0; px < p; px++) {
                    double q = Math.rint((double) (intOut[px * n + j] + b) * multiplier) + zy;
                    y[dst + px] = (byte) Math.max(qmin, Math.min(qmax, q));
                }
            }
        });
    }

    private interface GroupSink {
        void accept(int image, int group);
    }

    private void forEachGroup(byte[] x, int batch, DType xType, int zx, float sx, GroupSink sink) {
        if (int8Weights == null) {
            throw new IllegalStateException("this layer was built for FP32");
        }
        ConvGeometry g = geometry;
        int imageIn = g.channels() * g.height() * g.width();
        int k = g.patchSize();
        int p = g.outPixels();
        boolean signed = xType == DType.INT8;
        byte flip = (byte) (signed ? 0x80 : 0);
        int storedZp = zx + (signed ? 128 : 0);
        for (int img = 0; img < batch; img++) {
            for (int grp = 0; grp < g.group(); grp++) {
                Im2Col.bytes(x, img * imageIn, g, grp, (byte) zx, flip, bytePatches.data(), bytePatches.stride());
                bytePatches.setRows(p);
                for (int r = 0; r < p; r++) {
                    bytePatches.scales()[r] = sx;
                    bytePatches.zeroPoints()[r] = storedZp;
                    bytePatches.rowSums()[r] = gemm.kernels().sumUnsigned(bytePatches.data(), r * bytePatches.stride(), k);
                }
                gemm.int8Exact(bytePatches, int8Weights[grp], intOut, 0, g.groupOutChannels());
                sink.accept(img, grp);
            }
        }
    }
}
