package io.tare.server.engine.ops;

import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;

/** Index-driven reads: Gather and GatherElements. Negative indices count from the end. */
public final class GatherOps {
    private GatherOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register("Gather", 1, s -> {
            long axis = s.attrs().getInt("axis", 0);
            return ctx -> gather(ctx, axis);
        });
        r.register("GatherElements", 11, s -> {
            long axis = s.attrs().getInt("axis", 0);
            return ctx -> gatherElements(ctx, axis);
        });
    }

    private static int index(Tensor indices, int i, int dim) {
        long v = indices.getLong(i);
        if (v < 0) {
            v += dim;
        }
        if (v < 0 || v >= dim) {
            throw new EngineException("index " + indices.getLong(i) + " is out of range for axis of size " + dim);
        }
        return (int) v;
    }

    private static void gather(OpContext ctx, long axisAttr) {
        Tensor data = ctx.input(0);
        Tensor indices = ctx.input(1);
        int axis = Axes.normalize(axisAttr, data.rank());
        int[] shape = new int[data.rank() - 1 + indices.rank()];
        int k = 0;
        for (int d = 0; d < axis; d++) {
            shape[k++] = data.dim(d);
        }
        for (int d : indices.shape()) {
            shape[k++] = d;
        }
        for (int d = axis + 1; d < data.rank(); d++) {
            shape[k++] = data.dim(d);
        }
        Tensor y = ctx.output(0, data.type(), shape);
        int outer = Axes.product(data.shape(), 0, axis);
        int inner = Axes.product(data.shape(), axis + 1, data.rank());
        int dim = data.dim(axis);
        int n = indices.size();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < n; i++) {
                int src = (o * dim + index(indices, i, dim)) * inner;
                System.arraycopy(data.data(), src, y.data(), (o * n + i) * inner, inner);
            }
        }
    }

    private static void gatherElements(OpContext ctx, long axisAttr) {
        Tensor data = ctx.input(0);
        Tensor indices = ctx.input(1);
        int rank = data.rank();
        int axis = Axes.normalize(axisAttr, rank);
        Tensor y = ctx.output(0, data.type(), indices.shape());
        int[] dataStrides = Axes.strides(data.shape());
        int[] idxShape = indices.shape();
        int[] coord = new int[rank];
        for (int o = 0; o < indices.size(); o++) {
            int rem = o;
            for (int d = rank - 1; d >= 0; d--) {
                coord[d] = rem % idxShape[d];
                rem /= idxShape[d];
            }
            int src = 0;
            for (int d = 0; d < rank; d++) {
                int c = d == axis ? index(indices, o, data.dim(axis)) : coord[d];
                src += c * dataStrides[d];
            }
            y.copyElement(data, src, o);
        }
    }
}
