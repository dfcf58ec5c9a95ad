package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.UnsupportedModelException;

/**
 * Cast and CastLike between the engine's types. Floating to integer truncates toward zero and then
 * keeps the low bits (numpy's behaviour, which ONNX's reference follows); to BOOL is "not zero";
 * FLOAT16 rounds to nearest even.
 */
public final class CastOps {
    private CastOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register("Cast", 6, s -> {
            long to = s.attrs().getInt("to", -1);
            DataType target;
            try {
                target = DataType.fromOnnx((int) to);
            } catch (UnsupportedModelException e) {
                throw s.unsupported("cast to " + DataType.onnxName((int) to) + " is not supported");
            }
            return ctx -> cast(ctx.input(0), ctx.output(0, target, ctx.input(0).shape()));
        });
        r.register("CastLike", 15, s -> ctx -> cast(ctx.input(0), ctx.output(0, ctx.input(1).type(), ctx.input(0).shape())));
    }

    /** Converts every element of {@code x} into {@code y} (same shape). */
    public static void cast(Tensor x, Tensor y) {
        int n = x.size();
        if (x.type() == y.type()) {
            System.arraycopy(x.data(), 0, y.data(), 0, n);
        } else if (x.type() == DataType.FLOAT && y.type() == DataType.DOUBLE) {
            float[] in = x.floats();
            double[] out = (double[]) y.data();
            for (int i = 0; i < n; i++) {
                out[i] = in[i];
            }
        } else if (y.type() == DataType.BOOL) {
            for (int i = 0; i < n; i++) {
                y.bytes()[i] = (byte) (x.getDouble(i) != 0 ? 1 : 0);
            }
        } else if (y.type().isFloatingPoint()) {
            for (int i = 0; i < n; i++) {
                y.setDouble(i, x.getDouble(i));
            }
        } else if (x.type().isFloatingPoint()) {
            for (int i = 0; i < n; i++) {
                double v = x.getDouble(i);
                // NaN has no integer value; 0 is what the common runtimes produce
                y.setLong(i, Double.isNaN(v) ? 0 : (long) v);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y.setLong(i, x.getLong(i));
            }
        }
    }
}
