package io.tare.server.engine.shapes;

import io.tare.server.engine.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Shape rules of the operators over spatial axes: convolutions, pooling, padding, resizing. */
final class SpatialShapeRules {
    private SpatialShapeRules() {
    }

    static List<ValueShape> conv(NodeShapes n) {
        return ShapeRules.one(convolved(n, n.shape(0), n.shape(1)));
    }

    static List<ValueShape> qlinearConv(NodeShapes n) {
        return ShapeRules.one(convolved(n, n.shape(0), n.shape(3)));
    }

    private static ValueShape convolved(NodeShapes n, ValueShape x, ValueShape w) {
        if (x == null || w == null) {
            return null;
        }
        if (x.rank() < 3 || w.rank() != x.rank()) {
            throw n.fail("input " + x + " and weight " + w + " do not fit a convolution");
        }
        long group = n.attrs().getInt("group", 1);
        Dim c = x.dim(1);
        Dim wc = w.dim(1);
        if (c.known() && wc.known() && c.size() != wc.size() * group) {
            throw n.fail("input has " + c + " channels, the weight expects " + wc + " x " + group + " groups");
        }
        long[] kernel = n.attrs().getInts("kernel_shape", null);
        int spatial = x.rank() - 2;
        List<Dim> out = new ArrayList<>(List.of(x.dim(0), w.dim(0)));
        for (int i = 0; i < spatial; i++) {
            Dim k = kernel != null ? Dim.of(kernel[i]) : w.dim(2 + i);
            out.add(k.known() ? window(n, x.dim(2 + i), k.size(), i, spatial) : Dim.unknown());
        }
        return new ValueShape(out);
    }

    static List<ValueShape> pool(NodeShapes n) {
        ValueShape x = n.shape(0);
        int outputs = n.node().outputs().size();
        if (x == null) {
            return Arrays.asList(new ValueShape[outputs]);
        }
        long[] kernel = n.attrs().getInts("kernel_shape", null);
        if (kernel == null || kernel.length != x.rank() - 2) {
            throw n.fail("kernel_shape " + Arrays.toString(kernel) + " does not fit input " + x);
        }
        List<Dim> out = new ArrayList<>(List.of(x.dim(0), x.dim(1)));
        for (int i = 0; i < kernel.length; i++) {
            out.add(window(n, x.dim(2 + i), kernel[i], i, kernel.length));
        }
        ValueShape y = new ValueShape(out);
        return outputs == 1 ? ShapeRules.one(y) : Arrays.asList(y, y); // MaxPool's indices: the same shape
    }

    /** Output size of a sliding window over an axis of size {@code in} (pads, strides, dilations, auto_pad, ceil_mode). */
    private static Dim window(NodeShapes n, Dim in, long kernel, int axis, int spatial) {
        if (!in.known()) {
            return Dim.unknown();
        }
        long stride = at(n.attrs().getInts("strides", null), axis, 1);
        long dilation = at(n.attrs().getInts("dilations", null), axis, 1);
        long span = (kernel - 1) * dilation + 1;
        String autoPad = n.attrs().getString("auto_pad", "NOTSET");
        long size = in.size();
        long out;
        switch (autoPad) {
            case "SAME_UPPER", "SAME_LOWER" -> out = (size + stride - 1) / stride;
            case "VALID" -> out = size < span ? 0 : (size - span) / stride + 1;
            default -> {
                long[] pads = n.attrs().getInts("pads", null);
                long padded = size + at(pads, axis, 0) + at(pads, axis + spatial, 0) - span;
                if (padded < 0) {
                    throw n.fail("the window (" + span + ") is larger than the padded input along spatial axis " + axis);
                }
                boolean ceil = n.attrs().getInt("ceil_mode", 0) != 0;
                out = (ceil ? (padded + stride - 1) / stride : padded / stride) + 1;
                if (ceil && (out - 1) * stride >= size + at(pads, axis, 0)) {
                    out--; // the last window must start inside the input or its left padding
                }
            }
        }
        return Dim.of(out);
    }

    private static long at(long[] values, int i, long fallback) {
        return values == null || i >= values.length ? fallback : values[i];
    }

    static List<ValueShape> convTranspose(NodeShapes n) {
        ValueShape x = n.shape(0);
        ValueShape w = n.shape(1);
        if (x == null || w == null) {
            return ShapeRules.one(null);
        }
        int spatial = x.rank() - 2;
        long group = n.attrs().getInt("group", 1);
        Dim m = w.dim(1).known() ? Dim.of(w.dim(1).size() * group) : Dim.unknown();
        List<Dim> out = new ArrayList<>(List.of(x.dim(0), m));
        long[] outputShape = n.attrs().getInts("output_shape", null);
        long[] kernel = n.attrs().getInts("kernel_shape", null);
        long[] pads = n.attrs().getInts("pads", null);
        String autoPad = n.attrs().getString("auto_pad", "NOTSET");
        for (int i = 0; i < spatial; i++) {
            Dim in = x.dim(2 + i);
            if (outputShape != null) {
                out.add(Dim.of(outputShape[outputShape.length - spatial + i]));
                continue;
            }
            Dim k = kernel != null ? Dim.of(kernel[i]) : w.dim(2 + i);
            if (!in.known() || !k.known()) {
                out.add(Dim.unknown());
                continue;
            }
            long stride = at(n.attrs().getInts("strides", null), i, 1);
            long dilation = at(n.attrs().getInts("dilations", null), i, 1);
            long outputPadding = at(n.attrs().getInts("output_padding", null), i, 0);
            long full = stride * (in.size() - 1) + outputPadding + (k.size() - 1) * dilation + 1;
            long padTotal = autoPad.startsWith("SAME") ? full - in.size() * stride
                    : at(pads, i, 0) + at(pads, i + spatial, 0);
            out.add(Dim.of(full - padTotal));
        }
        return ShapeRules.one(new ValueShape(out));
    }

    static List<ValueShape> globalPool(NodeShapes n) {
        ValueShape x = n.shape(0);
        if (x == null) {
            return ShapeRules.one(null);
        }
        List<Dim> out = new ArrayList<>(x.dims().subList(0, Math.min(2, x.rank())));
        for (int i = 2; i < x.rank(); i++) {
            out.add(Dim.of(1));
        }
        return ShapeRules.one(new ValueShape(out));
    }

    static List<ValueShape> pad(NodeShapes n) {
        ValueShape x = n.shape(0);
        long[] pads = n.opset() >= 11 ? n.constantLongs(1) : n.attrs().getInts("pads", null);
        if (x == null || pads == null || (n.opset() >= 18 && n.node().hasInput(3))) {
            return ShapeRules.one(null); // an axes input (opset 18) is left to run time
        }
        if (pads.length != 2 * x.rank()) {
            throw n.fail(pads.length + " pads for rank " + x.rank());
        }
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            Dim d = x.dim(i);
            long add = pads[i] + pads[i + x.rank()];
            out.add(add == 0 ? d : d.known() ? Dim.of(d.size() + add) : Dim.unknown());
        }
        return ShapeRules.one(new ValueShape(out));
    }

    static List<ValueShape> resize(NodeShapes n) {
        ValueShape x = n.shape(0);
        if (x == null || n.attrs().has("axes")) {
            return ShapeRules.one(null);
        }
        Tensor sizes = n.constant(3);
        if (sizes != null && sizes.size() == x.rank()) {
            return ShapeRules.one(ValueShape.of(sizes.toLongArray()));
        }
        Tensor scales = n.constant(n.opset() >= 11 ? 2 : 1);
        if (scales == null || scales.size() != x.rank()) {
            return ShapeRules.one(null);
        }
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            double s = scales.getDouble(i);
            Dim d = x.dim(i);
            out.add(s == 1.0 ? d : d.known() ? Dim.of((long) Math.floor(d.size() * s)) : Dim.unknown());
        }
        return ShapeRules.one(new ValueShape(out));
    }
}
