package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import java.util.Arrays;

/**
 * Operators that change a shape without reordering elements (Reshape, Flatten, Squeeze, Unsqueeze)
 * and those that read or broadcast shapes (Shape, Size, Expand). The memory plan gives a reshape's
 * output its input's buffer where it can (see {@link io.tare.server.engine.ExecutionPlan}); then
 * the data is already in place, otherwise (graph inputs and outputs, constant folding) it is copied.
 */
public final class ReshapeOps {
    private ReshapeOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register("Reshape", 5, s -> {
            boolean allowZero = s.attrs().getInt("allowzero", 0) != 0;
            return ctx -> copyAs(ctx, reshapeTarget(ctx.input(0).shape(), ctx.input(1).toLongArray(), allowZero));
        });
        r.register("Flatten", 1, s -> {
            long axis = s.attrs().getInt("axis", 1);
            return ctx -> {
                int[] shape = ctx.input(0).shape();
                int a = axis == shape.length ? shape.length : Axes.normalize(axis, shape.length);
                copyAs(ctx, new int[] {Axes.product(shape, 0, a), Axes.product(shape, a, shape.length)});
            };
        });
        r.register("Squeeze", 1, s -> {
            long[] attrAxes = s.attrs().getInts("axes", null);
            boolean fromInput = s.opset() >= 13;
            return ctx -> {
                long[] axes = fromInput ? (ctx.input(1) == null ? null : ctx.input(1).toLongArray()) : attrAxes;
                copyAs(ctx, squeeze(ctx.input(0).shape(), axes));
            };
        });
        r.register("Unsqueeze", 1, s -> {
            long[] attrAxes = s.attrs().getInts("axes", null);
            boolean fromInput = s.opset() >= 13;
            return ctx -> {
                long[] axes = fromInput ? ctx.input(1).toLongArray() : attrAxes;
                copyAs(ctx, unsqueeze(ctx.input(0).shape(), axes));
            };
        });
        r.register("Shape", 1, s -> {
            long start = s.attrs().getInt("start", 0);
            Long end = s.attrs().has("end") ? s.attrs().getInt("end", 0) : null;
            return ctx -> shape(ctx, start, end);
        });
        r.register("Size", 1, s -> ctx -> {
            Tensor out = ctx.output(0, DataType.INT64, new int[0]);
            out.longs()[0] = ctx.input(0).size();
        });
        r.register("Expand", 8, s -> ReshapeOps::expand);
    }

    private static void copyAs(OpContext ctx, int[] shape) {
        Tensor x = ctx.input(0);
        if (Tensor.sizeOf(shape) != x.size()) {
            throw new EngineException("cannot reshape " + Arrays.toString(x.shape()) + " to "
                    + Arrays.toString(shape));
        }
        Tensor y = ctx.output(0, x.type(), shape);
        if (y.data() != x.data()) {
            System.arraycopy(x.data(), 0, y.data(), 0, x.size());
        }
    }

    /** Resolves Reshape's target: 0 copies the input dimension (unless allowzero), -1 is inferred. */
    static int[] reshapeTarget(int[] in, long[] target, boolean allowZero) {
        int[] out = new int[target.length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            long d = target[i];
            if (d == 0 && !allowZero) {
                if (i >= in.length) {
                    throw new EngineException("Reshape copies dimension " + i + " of a rank-" + in.length + " input");
                }
                d = in[i];
            }
            if (d == -1) {
                if (inferred >= 0) {
                    throw new EngineException("Reshape target " + Arrays.toString(target) + " has two -1");
                }
                inferred = i;
                continue;
            }
            if (d < 0) {
                throw new EngineException("Reshape target " + Arrays.toString(target) + " is invalid");
            }
            out[i] = (int) d;
            known *= d;
        }
        if (inferred >= 0) {
            int size = Tensor.sizeOf(in);
            if (known == 0 || size % known != 0) {
                throw new EngineException("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
            }
            out[inferred] = (int) (size / known);
        }
        return out;
    }

    static int[] squeeze(int[] in, long[] axes) {
        boolean[] drop = new boolean[in.length];
        if (axes == null || axes.length == 0) {
            for (int i = 0; i < in.length; i++) {
                drop[i] = in[i] == 1;
            }
        } else {
            for (long a : axes) {
                int ax = Axes.normalize(a, in.length);
                if (in[ax] != 1) {
                    throw new EngineException("cannot squeeze axis " + a + " of size " + in[ax]);
                }
                drop[ax] = true;
            }
        }
        int kept = 0;
        for (boolean d : drop) {
            kept += d ? 0 : 1;
        }
        int[] out = new int[kept];
        for (int i = 0, j = 0; i < in.length; i++) {
            if (!drop[i]) {
                out[j++] = in[i];
            }
        }
        return out;
    }

    static int[] unsqueeze(int[] in, long[] axes) {
        int rank = in.length + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long a : axes) {
            int ax = Axes.normalize(a, rank);
            if (inserted[ax]) {
                throw new EngineException("Unsqueeze axis " + a + " is repeated");
            }
            inserted[ax] = true;
        }
        int[] out = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            out[i] = inserted[i] ? 1 : in[j++];
        }
        return out;
    }

    private static void shape(OpContext ctx, long start, Long end) {
        int[] shape = ctx.input(0).shape();
        int rank = shape.length;
        int from = (int) Math.clamp(start < 0 ? start + rank : start, 0, rank);
        long e = end == null ? rank : end;
        int to = (int) Math.clamp(e < 0 ? e + rank : e, 0, rank);
        int n = Math.max(0, to - from);
        Tensor out = ctx.output(0, DataType.INT64, new int[] {n});
        for (int i = 0; i < n; i++) {
            out.longs()[i] = shape[from + i];
        }
    }

    private static void expand(OpContext ctx) {
        Tensor x = ctx.input(0);
        int[] target = Axes.toShape(ctx.input(1).toLongArray());
        int[] shape = Broadcasting.shape(x.shape(), target);
        Tensor y = ctx.output(0, x.type(), shape);
        int[] sx = Broadcasting.strides(x.shape(), shape);
        int[] none = new int[shape.length];
        Broadcasting.forEach(shape, sx, none, none, (o, i, j, k) -> y.copyElement(x, i, o));
    }
}
