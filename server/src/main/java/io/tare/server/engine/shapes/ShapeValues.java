package io.tare.server.engine.shapes;

import io.tare.server.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The values of the small integer tensors exporters compute shapes with, as {@link Dim}s, so that a
 * size known only as a symbol still flows through {@code Shape -> Gather -> Unsqueeze -> Concat} into
 * a {@code Reshape} target or a {@code Slice} end (PyTorch's transformer exports build every
 * attention reshape that way from the batch and sequence lengths). A 0-D tensor's value is a list
 * of one element; its rank says which it is.
 */
final class ShapeValues {
    /** A -1 element: the axis a Reshape infers. */
    static final Dim INFER = Dim.symbol("<-1>");

    /** Integer constants up to this many elements are tracked. */
    private static final int MAX_ELEMENTS = 16;

    private ShapeValues() {
    }

    /** The value of an integer constant, or null when it is not one or is too large to be a shape. */
    static List<Dim> ofConstant(Tensor t) {
        if (t == null || t.size() > MAX_ELEMENTS || t.rank() > 1 || t.type().isFloatingPoint()) {
            return null;
        }
        List<Dim> v = new ArrayList<>();
        for (long x : t.toLongArray()) {
            v.add(x >= 0 ? Dim.of(x) : x == -1 ? INFER : null);
        }
        return v.contains(null) ? null : v;
    }

    /** The value of the node's first output, or null when it is not a tracked shape value. */
    static List<Dim> of(NodeShapes n) {
        switch (n.node().opType()) {
            case "Shape" -> {
                ValueShape x = n.shape(0);
                if (x == null) {
                    return null;
                }
                int[] range = ShapeRange.of(n.attrs(), x.rank());
                return x.dims().subList(range[0], range[1]);
            }
            case "Identity", "Cast", "Squeeze", "Unsqueeze" -> {
                return n.value(0);
            }
            case "Gather" -> {
                List<Dim> data = n.value(0);
                long[] indices = n.constantLongs(1);
                if (data == null || indices == null || n.attrs().getInt("axis", 0) != 0) {
                    return null;
                }
                List<Dim> out = new ArrayList<>();
                for (long i : indices) {
                    long at = i < 0 ? i + data.size() : i;
                    if (at < 0 || at >= data.size()) {
                        return null;
                    }
                    out.add(data.get((int) at));
                }
                return out;
            }
            case "Concat" -> {
                List<Dim> out = new ArrayList<>();
                for (int i = 0; i < n.inputCount(); i++) {
                    List<Dim> part = n.value(i);
                    if (part == null) {
                        return null;
                    }
                    out.addAll(part);
                }
                return out.size() <= MAX_ELEMENTS ? out : null;
            }
            default -> {
                return null;
            }
        }
    }
}
