package io.tare.server.engine.quant;

import io.tare.kernels.KernelTier;
import io.tare.kernels.Kernels;
import io.tare.kernels.scalar.ScalarKernels;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;
import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.ops.Broadcasting;
import io.tare.server.engine.ops.FusedActivation;
import io.tare.server.engine.ops.NodeSetup;
import io.tare.server.engine.ops.OpContext;
import io.tare.server.engine.ops.Operator;

/**
 * {@code tare:Int8Add}: the residual join of a quantized ResNet block,
 * {@code QuantizeLinear(Relu?(DequantizeLinear(a) + DequantizeLinear(b)))}, as one op over 8-bit
 * tensors (made by the {@code QuantizedAddFusion} pass). Inputs {@code a, a_scale, a_zero_point, b,
 * b_scale, b_zero_point, y_scale, y_zero_point}, all parameters constant scalars; attribute
 * {@code tare.activation} RELU or absent.
 *
 * <p>Each output byte depends only on the two input bytes, so the op is a lookup in a 64 KiB table
 * of all 256 x 256 results, filled at load with the arithmetic of the four ops it replaces (the
 * kernels' dequantize {@code (q - z) * s}, a float add, {@code max(v, 0)}, the kernels' quantize,
 * whose tiers agree exactly): bit-identical outputs, one load per element instead of two byte to
 * float conversions that C2 does not vectorize, and no float tensors in between. On the native
 * kernel tier, inputs of one shape go through {@link Kernels#addQuantized} instead: the same
 * arithmetic in C, 8 elements a step, about twice as fast as the table, whose 64 KiB do not stay in
 * a 32 KiB L1 cache (the table's bytes and the kernel's are tested equal). Element-wise,
 * so it works in any layout (channels-last included) as long as both inputs share it; broadcasting
 * inputs go element by element through the same table.
 */
final class Int8Add implements Operator {
    private final DataType typeA;
    private final DataType typeB;
    private final DataType outType;
    /** {@code table[(a & 0xFF) << 8 | (b & 0xFF)]}: the output byte for stored input bytes a, b. */
    private final byte[] table;
    /** Native tier: same-shape inputs go through its C kernel (same bytes) rather than the table. */
    private final Kernels kernels;
    private final QuantParams paramsA;
    private final QuantParams paramsB;
    private final QuantParams paramsY;
    private final boolean relu;

    private Int8Add(NodeSetup s) {
        this.typeA = s.constantInput(2).type();
        this.typeB = s.constantInput(5).type();
        this.outType = s.constantInput(7).type();
        this.relu = FusedActivation.from(s).kind() == FusedActivation.Kind.RELU;
        float[] da = dequantized(typeA, scale(s, 1), zeroPoint(s, 2));
        float[] db = dequantized(typeB, scale(s, 4), zeroPoint(s, 5));
        float sy = scale(s, 6);
        int zy = zeroPoint(s, 7);
        DType ty = dtype(outType);
        // the kernel takes QuantParams, which refuse scales that are not positive and finite; the table
        // does not care, so such a (broken) model keeps the table
        boolean kernel = s.compute().kernels().tier() == KernelTier.NATIVE && positiveFinite(scale(s, 1))
                && positiveFinite(scale(s, 4)) && positiveFinite(sy);
        this.kernels = kernel ? s.compute().kernels() : null;
        this.paramsA = kernel ? QuantParams.perTensor(dtype(typeA), scale(s, 1), zeroPoint(s, 2)) : null;
        this.paramsB = kernel ? QuantParams.perTensor(dtype(typeB), scale(s, 4), zeroPoint(s, 5)) : null;
        this.paramsY = kernel ? QuantParams.perTensor(ty, sy, zy) : null;
        this.table = new byte[256 * 256];
        for (int a = 0; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                float v = da[a] + db[b];
                table[a << 8 | b] = (byte) ScalarKernels.quantizeOne(relu ? Math.max(v, 0f) : v, sy, zy, ty);
            }
        }
    }

    static Operator create(NodeSetup s) {
        for (int i : new int[] {1, 2, 4, 5, 6, 7}) {
            Tensor t = s.constantInput(i);
            if (t == null || t.size() != 1) {
                throw s.unsupported("Int8Add needs constant scalar scales and zero points");
            }
        }
        for (int i : new int[] {2, 5, 7}) {
            DataType t = s.constantInput(i).type();
            if (t != DataType.UINT8 && t != DataType.INT8) {
                throw s.unsupported("Int8Add needs 8-bit zero points, got " + t);
            }
        }
        FusedActivation.Kind act = FusedActivation.from(s).kind();
        if (act != FusedActivation.Kind.NONE && act != FusedActivation.Kind.RELU) {
            throw s.unsupported("Int8Add takes only a ReLU, got " + act);
        }
        return new Int8Add(s);
    }

    @Override
    public void run(OpContext ctx) {
        Tensor a = ctx.input(0);
        Tensor b = ctx.input(3);
        if (a.type() != typeA || b.type() != typeB) {
            throw new EngineException("Int8Add inputs must be " + typeA + " and " + typeB
                    + " (their zero points' types), got " + a.type() + " and " + b.type());
        }
        byte[] qa = a.bytes();
        byte[] qb = b.bytes();
        byte[] t = table;
        if (java.util.Arrays.equals(a.shape(), b.shape())) {
            byte[] qy = ctx.output(0, outType, a.shape()).bytes();
            if (kernels != null) {
                kernels.addQuantized(qa, 0, paramsA, qb, 0, paramsB, relu, paramsY, qy, 0, a.size());
                return;
            }
            for (int i = 0, n = a.size(); i < n; i++) {
                qy[i] = t[(qa[i] & 0xFF) << 8 | (qb[i] & 0xFF)];
            }
            return;
        }
        int[] shape = Broadcasting.shape(a.shape(), b.shape());
        byte[] qy = ctx.output(0, outType, shape).bytes();
        int[] stridesA = Broadcasting.strides(a.shape(), shape);
        int[] stridesB = Broadcasting.strides(b.shape(), shape);
        Broadcasting.forEach(shape, stridesA, stridesB, new int[shape.length],
                (o, i, j, unused) -> qy[o] = t[(qa[i] & 0xFF) << 8 | (qb[j] & 0xFF)]);
    }

    /** {@code (q - z) * s} for each stored byte, as the kernels' dequantize computes it. */
    private static float[] dequantized(DataType type, float scale, int zeroPoint) {
        DType t = dtype(type);
        float[] out = new float[256];
        for (int stored = 0; stored < 256; stored++) {
            out[stored] = (t.fromByte((byte) stored) - zeroPoint) * scale;
        }
        return out;
    }

    private static boolean positiveFinite(float scale) {
        return scale > 0f && scale < Float.POSITIVE_INFINITY;
    }

    private static DType dtype(DataType t) {
        return t == DataType.INT8 ? DType.INT8 : DType.UINT8;
    }

    private static float scale(NodeSetup s, int i) {
        return (float) s.constantInput(i).getDouble(0);
    }

    private static int zeroPoint(NodeSetup s, int i) {
        return (int) s.constantInput(i).getLong(0);
    }
}
