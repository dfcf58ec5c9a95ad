package io.tare.server.engine.quant;

import io.tare.kernels.Kernels;
import io.tare.kernels.scalar.ScalarKernels;
import io.tare.kernels.tensor.DType;
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
 * <p>The arithmetic is that of the four ops it replaces, in their order and precision (the
 * kernels' dequantize, a float add, {@code max(v, 0)}, the kernels' quantize), so outputs are
 * bit-identical; what goes is three float tensors written and read back. Same-shape inputs go
 * through in L1-sized chunks; broadcasting ones element by element. Element-wise, so it works in
 * any layout (channels-last included) as long as both inputs share it.
 */
final class Int8Add implements Operator {
    /** Values per chunk: two float chunks of 8 KiB stay in L1 with their byte inputs. */
    private static final int CHUNK = 2048;

    private final Kernels kernels;
    private final float sa;
    private final int za;
    private final float sb;
    private final int zb;
    private final float sy;
    private final int zy;
    private final DataType outType;
    private final boolean relu;

    private Int8Add(NodeSetup s) {
        this.kernels = s.compute().kernels();
        this.sa = scale(s, 1);
        this.za = zeroPoint(s, 2);
        this.sb = scale(s, 4);
        this.zb = zeroPoint(s, 5);
        this.sy = scale(s, 6);
        this.zy = zeroPoint(s, 7);
        this.outType = s.constantInput(7).type();
        this.relu = FusedActivation.from(s).kind() == FusedActivation.Kind.RELU;
    }

    static Operator create(NodeSetup s) {
        for (int i : new int[] {1, 2, 4, 5, 6, 7}) {
            Tensor t = s.constantInput(i);
            if (t == null || t.size() != 1) {
                throw s.unsupported("Int8Add needs constant scalar scales and zero points");
            }
        }
        DataType y = s.constantInput(7).type();
        if (y != DataType.UINT8 && y != DataType.INT8) {
            throw s.unsupported("Int8Add output must be 8-bit, got " + y);
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
        DType ta = eightBit(a);
        DType tb = eightBit(b);
        DType ty = outType == DataType.INT8 ? DType.INT8 : DType.UINT8;
        if (java.util.Arrays.equals(a.shape(), b.shape())) {
            Tensor y = ctx.output(0, outType, a.shape());
            float[] fa = ctx.floatScratch(0, CHUNK);
            float[] fb = ctx.floatScratch(1, CHUNK);
            byte[] qa = a.bytes();
            byte[] qb = b.bytes();
            byte[] qy = y.bytes();
            for (int off = 0, n = a.size(); off < n; off += CHUNK) {
                int len = Math.min(CHUNK, n - off);
                kernels.dequantize(qa, off, fa, 0, len, sa, za, ta);
                kernels.dequantize(qb, off, fb, 0, len, sb, zb, tb);
                if (relu) {
                    for (int i = 0; i < len; i++) {
                        fa[i] = Math.max(fa[i] + fb[i], 0f);
                    }
                } else {
                    for (int i = 0; i < len; i++) {
                        fa[i] = fa[i] + fb[i];
                    }
                }
                kernels.quantize(fa, 0, qy, off, len, sy, zy, ty);
            }
            return;
        }
        int[] shape = Broadcasting.shape(a.shape(), b.shape());
        Tensor y = ctx.output(0, outType, shape);
        int[] stridesA = Broadcasting.strides(a.shape(), shape);
        int[] stridesB = Broadcasting.strides(b.shape(), shape);
        byte[] qa = a.bytes();
        byte[] qb = b.bytes();
        byte[] qy = y.bytes();
        // the scalar forms of the same kernels: tiers agree exactly on quantize and dequantize
        Broadcasting.forEach(shape, stridesA, stridesB, new int[shape.length], (o, i, j, unused) -> {
            float v = (ta.fromByte(qa[i]) - za) * sa + (tb.fromByte(qb[j]) - zb) * sb;
            qy[o] = (byte) ScalarKernels.quantizeOne(relu ? Math.max(v, 0f) : v, sy, zy, ty);
        });
    }

    private static DType eightBit(Tensor t) {
        return switch (t.type()) {
            case UINT8 -> DType.UINT8;
            case INT8 -> DType.INT8;
            default -> throw new EngineException("Int8Add input must be 8-bit, got " + t.type());
        };
    }

    private static float scale(NodeSetup s, int i) {
        return (float) s.constantInput(i).getDouble(0);
    }

    private static int zeroPoint(NodeSetup s, int i) {
        return (int) s.constantInput(i).getLong(0);
    }
}
