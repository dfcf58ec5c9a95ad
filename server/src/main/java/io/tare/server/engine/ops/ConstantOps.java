package io.tare.server.engine.ops;

import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Attributes;

/**
 * Constant (whose value is an attribute) and ConstantOfShape. Both are normally folded away at load;
 * these implementations serve graphs where folding is off and the constant folder itself.
 */
public final class ConstantOps {
    private ConstantOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register("Constant", 1, s -> {
            Tensor value = constantValue(s.attrs());
            if (value == null) {
                throw s.unsupported("Constant has no tensor, float(s) or int(s) value");
            }
            return ctx -> {
                Tensor y = ctx.output(0, value.type(), value.shape());
                System.arraycopy(value.data(), 0, y.data(), 0, value.size());
            };
        });
        r.register("ConstantOfShape", 9, s -> {
            Tensor v = s.attrs().getTensor("value");
            Tensor value = v == null ? Tensor.scalar(0f) : v;
            if (value.size() != 1) {
                throw s.unsupported("'value' must hold one element");
            }
            return ctx -> {
                int[] shape = Axes.toShape(ctx.input(0).toLongArray());
                Tensor y = ctx.output(0, value.type(), shape);
                for (int i = 0; i < y.size(); i++) {
                    y.copyElement(value, 0, i);
                }
            };
        });
    }

    /** The value of a Constant node's attributes, or {@code null} when it has none the engine reads. */
    public static Tensor constantValue(Attributes a) {
        if (a.has("value")) {
            return a.getTensor("value");
        }
        if (a.has("value_float")) {
            return Tensor.scalar(a.getFloat("value_float", 0));
        }
        if (a.has("value_floats")) {
            float[] f = a.getFloats("value_floats", null);
            return Tensor.ofFloats(new int[] {f.length}, f.clone());
        }
        if (a.has("value_int")) {
            return Tensor.ofLongs(new int[0], a.getInt("value_int", 0));
        }
        if (a.has("value_ints")) {
            long[] l = a.getInts("value_ints", null);
            return Tensor.ofLongs(new int[] {l.length}, l.clone());
        }
        if (a.has("sparse_value") || a.has("value_string") || a.has("value_strings")) {
            throw new EngineException("string and sparse constants are not supported");
        }
        return null;
    }

}
