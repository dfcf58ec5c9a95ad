package io.tare.kernels;

import io.tare.kernels.gemm.PackedFloatMatrix;
import io.tare.kernels.gemm.PackedInt8Matrix;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;

/**
 * The narrow interface every compute tier implements: element-wise quantization and the GEMM
 * block primitives. Higher-level operations ({@link io.tare.kernels.gemm.Gemm},
 * {@link io.tare.kernels.quant.ActivationQuantizer}, {@link io.tare.kernels.conv.Conv2d}) are
 * written once over this interface.
 *
 * <p><b>Contract for all methods.</b> Callers pass every output buffer; implementations allocate
 * nothing per call beyond first-use thread-local scratch. Implementations are stateless and
 * thread-safe; two threads may call concurrently on disjoint outputs. Integer results are exact
 * and identical across tiers. Float results may differ from the scalar reference only by
 * summation order (FMA and blocking).
 *
 * <p><b>Rounding.</b> Quantization is ONNX QuantizeLinear's: {@code x / scale} in float, round half
 * to even, add the zero point, saturate to the type's range (infinities saturate); NaN maps to the
 * zero point (what ONNX Runtime produces: NaN behaves as 0 before the zero point is added),
 * identically in every tier.
 */
public interface Kernels {

    KernelTier tier();

    /** What this implementation runs on (vector width, instruction set), for logs. */
    String description();

    // ---- element-wise quantization ----

    /** {@code q[i] = saturate(rint(x[i] / scale) + zeroPoint)} for an 8-bit {@code type}; NaN gives {@code zeroPoint}. */
    void quantize(float[] x, int xOff, byte[] q, int qOff, int n, float scale, int zeroPoint, DType type);

    /**
     * {@code m} rows of {@code n} values to UINT8, row {@code r} ({@code x} from {@code xOff + r * ldx})
     * with {@code scales[p + r]} and {@code zeroPoints[p + r]} ({@code p = paramOff}) into {@code q}
     * from {@code qOff + r * ldq}, exactly as {@link #quantize} row by row; with {@code rowSums}
     * non-null also each stored row's {@link #sumUnsigned} into {@code rowSums[p + r]}. One call for
     * many rows (the native tier makes one downcall instead of one per row); this default is that loop.
     */
    default void quantizeRows(float[] x, int xOff, int ldx, int m, int n, float[] scales, int[] zeroPoints,
            int paramOff, byte[] q, int qOff, int ldq, int[] rowSums) {
        for (int r = 0; r < m; r++) {
            quantize(x, xOff + r * ldx, q, qOff + r * ldq, n, scales[paramOff + r], zeroPoints[paramOff + r],
                    DType.UINT8);
            if (rowSums != null) {
                rowSums[paramOff + r] = sumUnsigned(q, qOff + r * ldq, n);
            }
        }
    }

    /** {@code x[i] = (q[i] - zeroPoint) * scale} for an 8-bit {@code type}. */
    void dequantize(byte[] q, int qOff, float[] x, int xOff, int n, float scale, int zeroPoint, DType type);

    /**
     * Writes the minimum and maximum of {@code x[off, off+n)} into {@code out[0]} and
     * {@code out[1]} ({@code +inf, -inf} for n = 0). NaN inputs give an unspecified result.
     */
    void minMax(float[] x, int off, int n, float[] out);

    /** Sum of {@code n} bytes read as unsigned (u8) values. */
    int sumUnsigned(byte[] q, int off, int n);

    /**
     * In place, {@code x[i] = GELU(x[i]) = 0.5 x (1 + erf(x / sqrt 2))} (ONNX Gelu, approximate =
     * "none"), within 2e-6 relative of {@link io.tare.kernels.gemm.Activation#gelu}, the scalar
     * reference (itself within 1.2e-7 relative of the exact function), for |x| below 13; beyond
     * that the negative side underflows towards 0 (|GELU| < 1e-37). NaN stays NaN.
     */
    void gelu(float[] x, int off, int n);

    /**
     * In place, {@code x[off + i] = GELU(x[off + i] + bias[biasOff + i])} for {@code i < n}: the
     * float bias added (one rounding), then {@link #gelu}. The INT8 GEMM's bias-and-GELU epilogue
     * on C in place, one pass instead of a copy out, a bias pass, {@link #gelu} and a copy back.
     */
    default void biasGelu(float[] x, int off, int n, float[] bias, int biasOff) {
        for (int i = 0; i < n; i++) {
            x[off + i] += bias[biasOff + i];
        }
        gelu(x, off, n);
    }

    /**
     * Softmax of one contiguous row, {@code y[yOff..yOff+n) = softmax(x[xOff..xOff+n))}, rounded as
     * ONNX Runtime's CPU softmax rounds it (its polynomial exp, 8-lane sum, multiply by 1/sum; see
     * {@link io.tare.kernels.scalar.SoftmaxReference}). {@code x} and {@code y} may be the same row.
     * Every tier writes identical bits (NaN for NaN: its sign and payload are unspecified); this
     * default is the reference.
     */
    default void softmax(float[] x, int xOff, float[] y, int yOff, int n) {
        io.tare.kernels.scalar.SoftmaxReference.row(x, xOff, y, yOff, n);
    }

    /**
     * {@link #softmax} of the row formed as {@code x[i] / c + mask[i]} ({@code divide}) or
     * {@code x[i] * c + mask[i]} (c = 1: no scaling; a null mask: no addition), each element rounded
     * as those two float operations round: attention's scaled, masked scores in one call instead of
     * a formed copy and a softmax. Every tier writes the bits of this default; {@code y} may be
     * {@code x} (the same offset).
     */
    default void scaledMaskedSoftmax(float[] x, int xOff, float c, boolean divide, float[] mask, int maskOff,
            float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            float t = divide ? x[xOff + i] / c : x[xOff + i] * c;
            y[yOff + i] = mask == null ? t : t + mask[maskOff + i];
        }
        softmax(y, yOff, y, yOff, n);
    }

    /**
     * The residual join of a quantized network, element by element over 8-bit tensors:
     * {@code y[i] = Q(act(DQ(a[i]) + DQ(b[i])))} with ONNX DequantizeLinear for each input
     * ({@code (q - z) * s}, as {@link #dequantize}), one float add, {@code max(v, 0)} when
     * {@code relu}, and ONNX QuantizeLinear ({@link #quantize}'s division, rounding and saturation;
     * NaN gives the zero point). All three parameter sets per tensor and 8-bit. Every tier writes
     * identical bytes; this default is the reference.
     */
    default void addQuantized(byte[] a, int aOff, QuantParams pa, byte[] b, int bOff, QuantParams pb, boolean relu,
            QuantParams py, byte[] y, int yOff, int n) {
        DType ta = pa.dtype();
        DType tb = pb.dtype();
        float sa = pa.scale(0);
        float sb = pb.scale(0);
        int za = pa.zeroPoint(0);
        int zb = pb.zeroPoint(0);
        for (int i = 0; i < n; i++) {
            float v = (ta.fromByte(a[aOff + i]) - za) * sa + (tb.fromByte(b[bOff + i]) - zb) * sb;
            y[yOff + i] = (byte) io.tare.kernels.scalar.ScalarKernels.quantizeOne(relu ? Math.max(v, 0f) : v,
                    py.scale(0), py.zeroPoint(0), py.dtype());
        }
    }

    // ---- GEMM block primitives: C[0..m, panels) over packed B (sgemmPlain: B as it lies) ----

    /** Column panel width this tier packs FP32 weights with. */
    int floatPanelWidth();

    /** Column panel width this tier packs INT8 weights with. */
    int int8PanelWidth();

    /** Byte layout this tier packs INT8 weights with. */
    PackedInt8Matrix.Layout int8Layout();

    /**
     * {@code C[i, j] = sum_k A[i, k] * B[k, j]} for rows {@code 0..m} and the columns of panels
     * {@code [panelFrom, panelTo)}; C is overwritten. Column {@code j} of C is stored at
     * {@code cOff + i*ldc + (j - panelFrom*width)}, i.e. C's first column is the first column of
     * {@code panelFrom}; columns past {@code b.n()} are not written.
     */
    void sgemm(float[] a, int aOff, int lda, int m, PackedFloatMatrix b, int panelFrom, int panelTo,
            float[] c, int cOff, int ldc);

    /**
     * {@code C[i, j] = sum_k A[i, k] * B[k, j]} for {@code i < m, j < n} with B plain row-major
     * (element (k, j) at {@code bOff + k*ldb + j}), not packed beforehand: for operands that change
     * on every run (attention's K^T and V, one head at a time), where a whole packed copy per call
     * costs more than it gains (the vector tiers copy one column group at a time into a panel that
     * stays in L1). C (row stride {@code ldc}) is overwritten, with zeros when k is 0. On the
     * vector tiers every element is summed exactly as by {@link #sgemm} over the same B packed: the
     * same bits.
     */
    void sgemmPlain(float[] a, int aOff, int lda, int m, int k, float[] b, int bOff, int ldb, int n, float[] c,
            int cOff, int ldc);

    /**
     * Raw integer products {@code C[i, j] = sum_k A[i, k] * B'[k, j]} where A holds unsigned bytes
     * and B' the packed signed bytes (no zero-point corrections). Each row of A must be readable for
     * {@code b.kPadded()} bytes (the padding may hold anything: packed B is zero there). Output
     * placement as in {@link #sgemm}.
     */
    void int8(byte[] aU8, int aOff, int lda, int m, PackedInt8Matrix b, int panelFrom, int panelTo,
            int[] c, int cOff, int ldc);

    /**
     * Gathers GEMM rows from windows (implicit im2col): row {@code i} of {@code dst}, at
     * {@code dstOff + i*ldd}, is the {@code kh} runs of {@code run} bytes at
     * {@code src[srcOff + offsets[offOff + i*kh + t]]}, {@code t = 0..kh-1}, back to back, then zeros
     * up to {@code ldd} ({@code >= kh*run}). Used for convolution patch rows: a window row of a padded
     * channels-last image is {@code kw * C} contiguous bytes. Bytes are copied unchanged. The Java
     * tiers share this default (a copy has nothing to vectorize); the native tier does it in C.
     */
    default void gatherRows(byte[] src, int srcOff, int[] offsets, int offOff, int kh, int run, int m, byte[] dst,
            int dstOff, int ldd) {
        int k = kh * run;
        for (int i = 0; i < m; i++) {
            int d = dstOff + i * ldd;
            for (int t = 0; t < kh; t++) {
                System.arraycopy(src, srcOff + offsets[offOff + i * kh + t], dst, d + t * run, run);
            }
            java.util.Arrays.fill(dst, d + k, d + ldd, (byte) 0);
        }
    }

    /**
     * {@link #int8} with A's rows {@code [rowFrom, rowFrom + m)} of {@code windows} (implicit im2col):
     * the same raw products as gathering those rows ({@link #gatherRows}, row stride
     * {@code b.kPadded()}) and multiplying them. {@code work} is caller scratch of at least
     * {@code m * b.kPadded()} bytes that a tier may gather into (contents afterwards unspecified).
     */
    default void int8Windows(io.tare.kernels.gemm.WindowRows windows, int rowFrom, int m, byte[] work,
            PackedInt8Matrix b, int panelFrom, int panelTo, int[] c, int cOff, int ldc) {
        int kp = b.kPadded();
        gatherRows(windows.src(), windows.srcOff(), windows.offsets(), rowFrom * windows.kh(), windows.kh(),
                windows.run(), m, work, 0, kp);
        int8(work, 0, kp, m, b, panelFrom, panelTo, c, cOff, ldc);
    }

    /**
     * The flat requantizing epilogue of convolution-shaped INT8 GEMMs (per-element terms, see
     * {@link io.tare.kernels.gemm.Gemm#int8Requantize}): for {@code e} in {@code [0, len)},
     * {@code v = min(max(((raw[e] + corr[e]) * mul[e] + add[e]) * inv, lower), upper)} (the int sum
     * wraps, then everything in float, in this order, no fused multiply-add), then
     * {@code c[cOff + e] = (byte) (int) (rint(v) + zeroPoint)} with rint half to even; NaN gives byte 0
     * (Java's {@code (int) NaN}). {@code lower} and {@code upper} are the output type's range less the
     * zero point ({@code lower} raised to 0 for a ReLU). {@code work} is scratch of at least
     * {@code len} floats that a tier may use. Every tier writes identical bytes; this default is the
     * reference the native tier is tested against.
     */
    default void requantizeFlat(int[] raw, int[] corr, float[] mul, float[] add, int len, float inv, float lower,
            float upper, float zeroPoint, float[] work, byte[] c, int cOff) {
        // 1.5 * 2^23 (EpilogueWriter.MAGIC): (v + magic) - magic rounds half to even for |v| <= 2^22,
        // and v is clamped far inside that. Two loops, so that C2 vectorizes the float one.
        final float magic = 12582912f;
        for (int e = 0; e < len; e++) {
            float v = Math.min(Math.max(((raw[e] + corr[e]) * mul[e] + add[e]) * inv, lower), upper);
            work[e] = ((v + magic) - magic) + zeroPoint;
        }
        for (int e = 0; e < len; e++) {
            c[cOff + e] = (byte) (int) work[e];
        }
    }

    /**
     * The raw sums of a 3x3, stride-1, undilated convolution over a (padded) channels-last image of
     * unsigned bytes, {@code out[outOff + (oy * ow + ox) * n + j] = sum over ky, kx, c of
     * img[imgOff + ((oy + ky) * wp + ox + kx) * C + c] * w[j][ky][kx][c]}: the same integers as
     * {@link #int8Windows} gives for those windows, computed by exact integer Winograd F(2x2, 3x3).
     * Needs {@code oh + 2 <= hp}, {@code ow + 2 <= wp}. Returns false, writing nothing, where the tier
     * has no such kernel (this default; the native tier on AVX2 has one).
     */
    default boolean winograd3x3(byte[] img, int imgOff, int hp, int wp, int oh, int ow,
            io.tare.kernels.conv.WinogradWeights w, int[] out, int outOff) {
        return false;
    }

    /**
     * True when weights whose packed values all lie in [-64, 63] (7-bit, {@code max|w| / 63}) run on a
     * faster exact INT8 kernel here than full 8-bit weights: the native tier on AVX2 without VNNI,
     * whose {@code VPMADDUBSW} int16 pair sums cannot saturate then. Where VNNI or AMX multiply bytes
     * into int32 directly, 7 bits buy nothing and cost accuracy, so this default says false.
     */
    default boolean favoursSevenBitWeights() {
        return false;
    }

    /**
     * True when this tier implements {@link #int8Fused}: the GEMM then makes one call per row block
     * into C instead of kernel calls into scratch followed by a Java epilogue pass.
     */
    default boolean fusesInt8Epilogue() {
        return false;
    }

    /**
     * Rows {@code [rowFrom, rowFrom + m)} of {@code a} times panels {@code [panelFrom, panelTo)} of
     * {@code b} with the zero-point correction applied, exactly as the GEMM's Java epilogue computes it
     * ({@code raw + (k za - rowSum) zb[j] - za colSum[j]}, plus {@code bias[j]} when not null, int
     * arithmetic wrapping), written to {@code ci} as int32 when {@code cf} is null, else to {@code cf}
     * dequantized as {@code (float) v * (scale(row) * b.scale(j))}. C's first row and column (at
     * {@code cOff}, row stride {@code ldc}) are row {@code rowFrom} and the first column of
     * {@code panelFrom}; columns past {@code b.n()} are not written. Only where
     * {@link #fusesInt8Epilogue()}; this default throws.
     */
    default void int8Fused(io.tare.kernels.quant.QuantizedRows a, int rowFrom, int m, PackedInt8Matrix b,
            int panelFrom, int panelTo, int[] bias, int[] ci, float[] cf, int cOff, int ldc) {
        throw new UnsupportedOperationException(tier() + " has no fused INT8 epilogue");
    }

    /**
     * FP32 activations times packed signed INT8 weights with no scale applied:
     * {@code C[i, j] = sum_k A[i, k] * (float) B'[k, j]}. Output placement as in {@link #sgemm}.
     */
    void w8a32(float[] a, int aOff, int lda, int m, PackedInt8Matrix b, int panelFrom, int panelTo,
            float[] c, int cOff, int ldc);
}
