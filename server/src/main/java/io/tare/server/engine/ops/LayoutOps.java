package io.tare.server.engine.ops;

import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import java.util.Arrays;

/** Operators that move elements: Transpose, Concat, Split, Slice, Tile. */
public final class LayoutOps {
    private LayoutOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register("Transpose", 1, s -> {
            long[] perm = s.attrs().getInts("perm", null);
            return ctx -> transpose(ctx, perm);
        });
        r.register("Concat", 4, s -> {
            long axis = s.attrs().getInt("axis", Long.MIN_VALUE);
            if (axis == Long.MIN_VALUE) {
                throw s.unsupported("attribute 'axis' is required");
            }
            return ctx -> concat(ctx, axis);
        });
        r.register("Split", 2, s -> {
            long axis = s.attrs().getInt("axis", 0);
            long[] attrSplit = s.attrs().getInts("split", null);
            boolean fromInput = s.opset() >= 13;
            return ctx -> {
                long[] split = fromInput ? (ctx.input(1) == null ? null : ctx.input(1).toLongArray()) : attrSplit;
                split(ctx, axis, split);
            };
        });
        r.register("Slice", 10, s -> LayoutOps::slice);
        r.register("Tile", 6, s -> LayoutOps::tile);
    }

    private static void transpose(OpContext ctx, long[] permAttr) {
        Tensor x = ctx.input(0);
        int rank = x.rank();
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = permAttr == null ? rank - 1 - i : Axes.normalize(permAttr[i], rank);
        }
        int[] inStrides = Axes.strides(x.shape());
        int[] shape = new int[rank];
        int[] sa = new int[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = x.dim(perm[i]);
            sa[i] = inStrides[perm[i]];
        }
        Tensor y = ctx.output(0, x.type(), shape);
        int kept = 0; // trailing axes the permutation leaves in place: copied as contiguous runs
        while (kept < rank && perm[rank - 1 - kept] == rank - 1 - kept) {
            kept++;
        }
        if (kept > 0 && kept < rank) {
            copyRuns(x.data(), y.data(), shape, sa, rank - kept, Axes.product(shape, rank - kept, rank));
            return;
        }
        int[] none = new int[rank];
        if (x.type() == io.tare.server.engine.DataType.FLOAT) {
            float[] in = x.floats();
            float[] out = y.floats();
            Broadcasting.forEach(shape, sa, none, none, (o, i, j, k) -> out[o] = in[i]);
        } else {
            Broadcasting.forEach(shape, sa, none, none, (o, i, j, k) -> y.copyElement(x, i, o));
        }
    }

    /**
     * A transpose whose last {@code rank - outer} axes stay in place ([B, S, H, D] -> [B, H, S, D] in
     * attention): walks the {@code outer} permuted axes of the output in order and copies one
     * contiguous run of {@code run} elements per position, instead of one element at a time.
     *
     * @param srcStrides input stride (in elements) of each output axis
     */
    private static void copyRuns(Object src, Object dst, int[] shape, int[] srcStrides, int outer, int run) {
        int[] index = new int[outer];
        int count = Axes.product(shape, 0, outer);
        int from = 0;
        for (int o = 0; o < count; o++) {
            System.arraycopy(src, from, dst, o * run, run);
            // odometer over the outer output axes, keeping the input offset in step
            for (int d = outer - 1; d >= 0; d--) {
                index[d]++;
                from += srcStrides[d];
                if (index[d] < shape[d]) {
                    break;
                }
                from -= srcStrides[d] * shape[d];
                index[d] = 0;
            }
        }
    }

    private static void concat(OpContext ctx, long axisAttr) {
        Tensor first = ctx.input(0);
        int rank = first.rank();
        int axis = Axes.normalize(axisAttr, rank);
        int[] shape = first.shape().clone();
        shape[axis] = 0;
        for (int i = 0; i < ctx.inputCount(); i++) {
            Tensor t = ctx.input(i);
            if (t.rank() != rank || t.type() != first.type()) {
                throw new EngineException("Concat inputs differ in rank or type");
            }
            for (int d = 0; d < rank; d++) {
                if (d != axis && t.dim(d) != first.dim(d)) {
                    throw new EngineException("Concat inputs " + Arrays.toString(first.shape()) + " and "
                            + Arrays.toString(t.shape()) + " differ outside axis " + axis);
                }
            }
            shape[axis] += t.dim(axis);
        }
        Tensor y = ctx.output(0, first.type(), shape);
        int outer = Axes.product(shape, 0, axis);
        int inner = Axes.product(shape, axis + 1, rank);
        int outRow = shape[axis] * inner;
        int offset = 0;
        for (int i = 0; i < ctx.inputCount(); i++) {
            Tensor t = ctx.input(i);
            int row = t.dim(axis) * inner;
            for (int o = 0; o < outer; o++) {
                System.arraycopy(t.data(), o * row, y.data(), o * outRow + offset, row);
            }
            offset += row;
        }
    }

    private static void split(OpContext ctx, long axisAttr, long[] split) {
        Tensor x = ctx.input(0);
        int axis = Axes.normalize(axisAttr, x.rank());
        int n = ctx.outputCount();
        int total = x.dim(axis);
        int[] sizes = new int[n];
        if (split != null) {
            long sum = 0;
            for (int i = 0; i < n; i++) {
                sizes[i] = (int) split[i];
                sum += split[i];
            }
            if (split.length != n || sum != total) {
                throw new EngineException("Split sizes " + Arrays.toString(split) + " do not cover axis of size " + total);
            }
        } else {
            // equal parts; the last one smaller when the axis does not divide evenly (opset 18)
            int part = (total + n - 1) / n;
            for (int i = 0; i < n; i++) {
                sizes[i] = Math.max(0, Math.min(part, total - i * part));
            }
        }
        int outer = Axes.product(x.shape(), 0, axis);
        int inner = Axes.product(x.shape(), axis + 1, x.rank());
        int inRow = total * inner;
        int offset = 0;
        for (int i = 0; i < n; i++) {
            int[] shape = x.shape().clone();
            shape[axis] = sizes[i];
            int row = sizes[i] * inner;
            if (ctx.wantsOutput(i)) {
                Tensor y = ctx.output(i, x.type(), shape);
                for (int o = 0; o < outer; o++) {
                    System.arraycopy(x.data(), o * inRow + offset, y.data(), o * row, row);
                }
            }
            offset += row;
        }
    }

    private static void slice(OpContext ctx) {
        Tensor x = ctx.input(0);
        int rank = x.rank();
        long[] starts = ctx.input(1).toLongArray();
        long[] ends = ctx.input(2).toLongArray();
        long[] axes = ctx.input(3) == null ? null : ctx.input(3).toLongArray();
        long[] steps = ctx.input(4) == null ? null : ctx.input(4).toLongArray();
        int[] begin = new int[rank];
        int[] step = new int[rank];
        int[] shape = x.shape().clone();
        Arrays.fill(step, 1);
        for (int i = 0; i < starts.length; i++) {
            int axis = axes == null ? i : Axes.normalize(axes[i], rank);
            long st = steps == null ? 1 : steps[i];
            if (st == 0) {
                throw new EngineException("Slice step is 0");
            }
            long dim = x.dim(axis);
            long s = starts[i] < 0 ? starts[i] + dim : starts[i];
            long e = ends[i] < 0 ? ends[i] + dim : ends[i];
            if (st > 0) {
                s = Math.clamp(s, 0, dim);
                e = Math.clamp(e, 0, dim);
                shape[axis] = (int) Math.max(0, (e - s + st - 1) / st);
            } else {
                s = Math.clamp(s, 0, dim - 1);
                e = Math.clamp(e, -1, dim - 1);
                shape[axis] = (int) Math.max(0, (s - e + (-st) - 1) / (-st));
            }
            begin[axis] = (int) s;
            step[axis] = (int) st;
        }
        Tensor y = ctx.output(0, x.type(), shape);
        int[] inStrides = Axes.strides(x.shape());
        int[] sa = new int[rank];
        int base = 0;
        for (int d = 0; d < rank; d++) {
            sa[d] = inStrides[d] * step[d];
            base += begin[d] * inStrides[d];
        }
        int[] none = new int[rank];
        int origin = base;
        Broadcasting.forEach(shape, sa, none, none, (o, i, j, k) -> y.copyElement(x, origin + i, o));
    }

    private static void tile(OpContext ctx) {
        Tensor x = ctx.input(0);
        long[] repeats = ctx.input(1).toLongArray();
        int rank = x.rank();
        int[] shape = new int[rank];
        for (int d = 0; d < rank; d++) {
            shape[d] = (int) (x.dim(d) * repeats[d]);
        }
        Tensor y = ctx.output(0, x.type(), shape);
        int[] inStrides = Axes.strides(x.shape());
        int[] idx = new int[rank];
        for (int o = 0; o < y.size(); o++) {
            int rem = o;
            int src = 0;
            for (int d = rank - 1; d >= 0; d--) {
                idx[d] = rem % shape[d];
                rem /= shape[d];
                src += (idx[d] % x.dim(d)) * inStrides[d];
            }
            y.copyElement(x, src, o);
        }
    }
}
