package io.tare.server.engine.shapes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shape rule of each ONNX operator the engine runs (default domain): output shapes from input
 * shapes, constant inputs and attributes. A rule returns null for an output it cannot determine
 * (an input of unknown shape, a size computed at run time), and throws through
 * {@link NodeShapes#fail} where the shapes certainly do not fit the operator. Spatial operators
 * live in {@link SpatialShapeRules}.
 */
final class ShapeRules {
    /** A rule: the node's output shapes, in output order (null entries: unknown). */
    interface Rule {
        List<ValueShape> infer(NodeShapes n);
    }

    private static final Set<String> SAME_AS_FIRST = Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Gelu", "HardSigmoid",
            "HardSwish", "Elu", "Clip", "Softmax", "LogSoftmax", "Erf", "Sqrt", "Exp", "Log", "Neg", "Abs", "Identity",
            "Cast", "Dropout", "QuantizeLinear", "DequantizeLinear", "BatchNormalization", "Not",
            "Floor", "Ceil", "Reciprocal", "Sign", "Round", "CastLike", "IsNaN", "IsInf", "Sin", "Cos");
    private static final Set<String> BROADCASTING = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater",
            "LessOrEqual", "GreaterOrEqual", "Where", "Max", "Min", "And", "Or", "Xor", "Mod", "Sum", "Mean", "PRelu");

    private static final Map<String, Rule> RULES = Map.ofEntries(
            Map.entry("MatMul", n -> one(matMul(n, n.shape(0), n.shape(1)))),
            Map.entry("MatMulInteger", n -> one(matMul(n, n.shape(0), n.shape(1)))),
            Map.entry("QLinearMatMul", n -> one(matMul(n, n.shape(0), n.shape(3)))),
            Map.entry("Gemm", ShapeRules::gemm),
            Map.entry("LayerNormalization", ShapeRules::layerNormalization),
            Map.entry("Flatten", ShapeRules::flatten),
            Map.entry("Reshape", ShapeRules::reshape),
            Map.entry("Transpose", ShapeRules::transpose),
            Map.entry("Concat", ShapeRules::concat),
            Map.entry("Split", ShapeRules::split),
            Map.entry("Slice", ShapeRules::slice),
            Map.entry("Gather", ShapeRules::gather),
            Map.entry("Unsqueeze", ShapeRules::unsqueeze),
            Map.entry("Squeeze", ShapeRules::squeeze),
            Map.entry("Shape", ShapeRules::shape),
            Map.entry("Size", n -> one(ValueShape.of())),
            Map.entry("ConstantOfShape", n -> {
                List<Dim> dims = n.value(0);
                return one(dims == null || dims.contains(ShapeValues.INFER) ? null : new ValueShape(dims));
            }),
            Map.entry("Expand", n -> {
                List<Dim> dims = n.value(1);
                return one(dims == null || dims.contains(ShapeValues.INFER) || n.shape(0) == null ? null : broadcast(n, List.of(n.shape(0), new ValueShape(dims))));
            }),
            Map.entry("DynamicQuantizeLinear", n -> Arrays.asList(n.shape(0), ValueShape.of(), ValueShape.of())),
            Map.entry("Constant", n -> n.attrs().has("value")
                    ? one(ValueShape.of(toLongs(n.attrs().getTensor("value").shape()))) : one(null)),
            Map.entry("ReduceMean", ShapeRules::reduce),
            Map.entry("ReduceSum", ShapeRules::reduce),
            Map.entry("ReduceMax", ShapeRules::reduce),
            Map.entry("ReduceMin", ShapeRules::reduce),
            Map.entry("ReduceProd", ShapeRules::reduce),
            Map.entry("ArgMax", ShapeRules::reduce),
            Map.entry("ArgMin", ShapeRules::reduce),
            Map.entry("Conv", SpatialShapeRules::conv),
            Map.entry("ConvInteger", SpatialShapeRules::conv),
            Map.entry("QLinearConv", SpatialShapeRules::qlinearConv),
            Map.entry("ConvTranspose", SpatialShapeRules::convTranspose),
            Map.entry("MaxPool", SpatialShapeRules::pool),
            Map.entry("AveragePool", SpatialShapeRules::pool),
            Map.entry("GlobalAveragePool", SpatialShapeRules::globalPool),
            Map.entry("GlobalMaxPool", SpatialShapeRules::globalPool),
            Map.entry("Pad", SpatialShapeRules::pad),
            Map.entry("Resize", SpatialShapeRules::resize));

    private ShapeRules() {
    }

    /** The rule of a default-domain operator, or null when shapes of its outputs are not inferred. */
    static Rule of(String opType) {
        if (SAME_AS_FIRST.contains(opType)) {
            return n -> {
                List<ValueShape> out = new ArrayList<>();
                out.add(n.shape(0));
                for (int i = 1; i < n.node().outputs().size(); i++) {
                    out.add(null); // statistics outputs (BatchNormalization, LayerNormalization, Dropout mask)
                }
                return out;
            };
        }
        if (BROADCASTING.contains(opType)) {
            return n -> {
                List<ValueShape> in = new ArrayList<>();
                for (int i = 0; i < n.inputCount(); i++) {
                    if (n.shape(i) == null) {
                        return one(null);
                    }
                    in.add(n.shape(i));
                }
                return one(broadcast(n, in));
            };
        }
        return RULES.get(opType);
    }

    static long[] toLongs(int[] shape) {
        return Arrays.stream(shape).asLongStream().toArray();
    }

    static List<ValueShape> one(ValueShape s) {
        return Arrays.asList(s);
    }

    /** Multidirectional (numpy) broadcasting. */
    static ValueShape broadcast(NodeShapes n, List<ValueShape> shapes) {
        int rank = shapes.stream().mapToInt(ValueShape::rank).max().orElse(0);
        List<Dim> out = new ArrayList<>();
        for (int k = 0; k < rank; k++) {
            Dim d = Dim.of(1);
            for (ValueShape s : shapes) {
                int at = k - (rank - s.rank());
                if (at >= 0) {
                    d = broadcastDim(n, d, s.dim(at));
                }
            }
            out.add(d);
        }
        return new ValueShape(out);
    }

    private static Dim broadcastDim(NodeShapes n, Dim a, Dim b) {
        if (a.known() && a.size() == 1) {
            return b;
        }
        if (b.known() && b.size() == 1) {
            return a;
        }
        if (a.known() && b.known()) {
            if (a.size() != b.size()) {
                throw n.fail("sizes " + a + " and " + b + " do not broadcast");
            }
            return a;
        }
        // one symbolic: it is either 1 or the same as the other, so the result is the known one
        if (a.known()) {
            return a;
        }
        if (b.known()) {
            return b;
        }
        return a.sameAs(b) ? a : Dim.unknown();
    }

    private static ValueShape matMul(NodeShapes n, ValueShape a, ValueShape b) {
        if (a == null || b == null || a.rank() == 0 || b.rank() == 0) {
            return null;
        }
        List<Dim> ad = new ArrayList<>(a.dims());
        List<Dim> bd = new ArrayList<>(b.dims());
        boolean vectorA = ad.size() == 1;
        boolean vectorB = bd.size() == 1;
        if (vectorA) {
            ad.addFirst(Dim.of(1));
        }
        if (vectorB) {
            bd.add(Dim.of(1));
        }
        Dim ka = ad.get(ad.size() - 1);
        Dim kb = bd.get(bd.size() - 2);
        if (ka.known() && kb.known() && ka.size() != kb.size()) {
            throw n.fail("inner dimensions " + ka + " and " + kb + " differ (shapes " + a + " x " + b + ")");
        }
        ValueShape batch = broadcast(n, List.of(new ValueShape(ad.subList(0, ad.size() - 2)),
                new ValueShape(bd.subList(0, bd.size() - 2))));
        List<Dim> out = new ArrayList<>(batch.dims());
        if (!vectorA) {
            out.add(ad.get(ad.size() - 2));
        }
        if (!vectorB) {
            out.add(bd.get(bd.size() - 1));
        }
        return new ValueShape(out);
    }

    private static List<ValueShape> gemm(NodeShapes n) {
        ValueShape a = n.shape(0);
        ValueShape b = n.shape(1);
        if (a == null || b == null) {
            return one(null);
        }
        if (a.rank() != 2 || b.rank() != 2) {
            throw n.fail("Gemm takes matrices, got " + a + " and " + b);
        }
        boolean ta = n.attrs().getInt("transA", 0) != 0;
        boolean tb = n.attrs().getInt("transB", 0) != 0;
        Dim m = a.dim(ta ? 1 : 0);
        Dim ka = a.dim(ta ? 0 : 1);
        Dim kb = b.dim(tb ? 1 : 0);
        Dim cols = b.dim(tb ? 0 : 1);
        if (ka.known() && kb.known() && ka.size() != kb.size()) {
            throw n.fail("inner dimensions " + ka + " and " + kb + " differ (shapes " + a + " x " + b + ")");
        }
        return one(new ValueShape(List.of(m, cols)));
    }

    /** Y like X; Mean and InvStdDev like X with the normalized axes (from {@code axis} on) of size 1. */
    private static List<ValueShape> layerNormalization(NodeShapes n) {
        ValueShape x = n.shape(0);
        if (x == null) {
            return Arrays.asList(new ValueShape[n.node().outputs().size()]);
        }
        int axis = n.axis(n.attrs().getInt("axis", -1), x.rank());
        List<Dim> stats = new ArrayList<>(x.dims().subList(0, axis));
        for (int i = axis; i < x.rank(); i++) {
            stats.add(Dim.of(1));
        }
        List<ValueShape> out = new ArrayList<>(List.of(x));
        for (int i = 1; i < n.node().outputs().size(); i++) {
            out.add(new ValueShape(stats));
        }
        return out;
    }

    private static List<ValueShape> flatten(NodeShapes n) {
        ValueShape x = n.shape(0);
        if (x == null) {
            return one(null);
        }
        long axis = n.attrs().getInt("axis", 1);
        int at = axis == x.rank() ? x.rank() : n.axis(axis, Math.max(x.rank(), 1));
        return one(new ValueShape(List.of(product(x.dims().subList(0, at)), product(x.dims().subList(at, x.rank())))));
    }

    private static Dim product(List<Dim> dims) {
        long p = 1;
        Dim symbolic = null;
        for (Dim d : dims) {
            if (d.known()) {
                p *= d.size();
            } else if (symbolic == null) {
                symbolic = d;
            } else {
                return Dim.unknown();
            }
        }
        if (symbolic == null) {
            return Dim.of(p);
        }
        return p == 1 ? symbolic : Dim.unknown();
    }

    private static List<ValueShape> reshape(NodeShapes n) {
        List<Dim> target = n.value(1);
        ValueShape x = n.shape(0);
        if (target == null) {
            return one(null);
        }
        boolean allowZero = n.attrs().getInt("allowzero", 0) != 0;
        List<Dim> out = new ArrayList<>();
        int inferred = -1;
        for (int i = 0; i < target.size(); i++) {
            Dim t = target.get(i);
            if (t.equals(ShapeValues.INFER)) {
                if (inferred >= 0) {
                    throw n.fail("more than one -1 in the target shape " + target);
                }
                inferred = i;
                out.add(null);
            } else if (!t.known()) {
                out.add(t); // a size computed from a symbol (Shape -> Gather -> Concat)
            } else if (t.size() == 0 && !allowZero) {
                if (x == null) {
                    out.add(Dim.unknown());
                } else {
                    if (i >= x.rank()) {
                        throw n.fail("target shape " + target + " copies axis " + i + " of " + x);
                    }
                    out.add(x.dim(i));
                }
            } else {
                out.add(t);
            }
        }
        if (inferred >= 0) {
            out.set(inferred, x == null ? Dim.unknown() : remainder(n, x.dims(), out));
        } else if (x != null && x.known() && out.stream().allMatch(Dim::known)) {
            long in = Arrays.stream(x.sizes()).reduce(1, Math::multiplyExact);
            long o = out.stream().mapToLong(Dim::size).reduce(1, Math::multiplyExact);
            if (in != o) {
                throw n.fail("cannot reshape " + x + " (" + in + " elements) to " + out);
            }
        }
        return one(new ValueShape(out));
    }

    /** The size a -1 stands for: the input's element count over the other target sizes. */
    private static Dim remainder(NodeShapes n, List<Dim> input, List<Dim> target) {
        long known = 1;
        List<String> symbols = new ArrayList<>();
        for (Dim d : input) {
            if (d.known()) {
                known *= d.size();
            } else {
                symbols.add(d.symbol());
            }
        }
        long divisor = 1;
        for (Dim d : target) {
            if (d == null) {
                continue;
            }
            if (d.known()) {
                divisor *= d.size();
            } else if (!symbols.remove(d.symbol())) {
                return Dim.unknown();
            }
        }
        if (divisor == 0 || known % divisor != 0) {
            if (symbols.isEmpty()) {
                throw n.fail("cannot reshape " + input + " to " + target + " (sizes do not divide)");
            }
            return Dim.unknown();
        }
        long rest = known / divisor;
        if (symbols.isEmpty()) {
            return Dim.of(rest);
        }
        return symbols.size() == 1 && rest == 1 ? Dim.symbol(symbols.getFirst()) : Dim.unknown();
    }

    private static List<ValueShape> transpose(NodeShapes n) {
        ValueShape x = n.shape(0);
        if (x == null) {
            return one(null);
        }
        long[] perm = n.attrs().getInts("perm", null);
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            out.add(x.dim(perm == null ? x.rank() - 1 - i : n.axis(perm[i], x.rank())));
        }
        if (perm != null && perm.length != x.rank()) {
            throw n.fail("perm " + Arrays.toString(perm) + " does not match rank " + x.rank());
        }
        return one(new ValueShape(out));
    }

    private static List<ValueShape> concat(NodeShapes n) {
        ValueShape first = n.shape(0);
        if (first == null) {
            return one(null);
        }
        int axis = n.axis(n.attrs().getInt("axis", 0), first.rank());
        List<Dim> out = new ArrayList<>(first.dims());
        long total = 0;
        boolean knownTotal = true;
        for (int i = 0; i < n.inputCount(); i++) {
            ValueShape s = n.shape(i);
            if (s == null) {
                return one(null);
            }
            if (s.rank() != first.rank()) {
                throw n.fail("inputs of rank " + first.rank() + " and " + s.rank());
            }
            for (int k = 0; k < s.rank(); k++) {
                if (k != axis && s.dim(k).known() && out.get(k).known() && s.dim(k).size() != out.get(k).size()) {
                    throw n.fail("inputs " + first + " and " + s + " differ outside axis " + axis);
                }
                if (k != axis && !out.get(k).known() && s.dim(k).known()) {
                    out.set(k, s.dim(k));
                }
            }
            knownTotal &= s.dim(axis).known();
            total += s.dim(axis).known() ? s.dim(axis).size() : 0;
        }
        out.set(axis, knownTotal ? Dim.of(total) : Dim.unknown());
        return one(new ValueShape(out));
    }

    private static List<ValueShape> split(NodeShapes n) {
        ValueShape x = n.shape(0);
        int outputs = n.node().outputs().size();
        List<ValueShape> none = Arrays.asList(new ValueShape[outputs]);
        if (x == null) {
            return none;
        }
        int axis = n.axis(n.attrs().getInt("axis", 0), x.rank());
        long[] parts = n.opset() >= 13 ? n.constantLongs(1) : n.attrs().getInts("split", null);
        if (parts == null && n.opset() >= 13 && n.node().hasInput(1)) {
            return none; // the parts are computed at run time
        }
        Dim d = x.dim(axis);
        List<ValueShape> out = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            List<Dim> dims = new ArrayList<>(x.dims());
            if (parts != null) {
                dims.set(axis, Dim.of(parts[i]));
            } else if (d.known()) {
                long chunk = (d.size() + outputs - 1) / outputs; // the last part takes what is left
                dims.set(axis, Dim.of(i < outputs - 1 ? chunk : d.size() - chunk * (outputs - 1)));
            } else {
                dims.set(axis, Dim.unknown());
            }
            out.add(new ValueShape(dims));
        }
        return out;
    }

    private static List<ValueShape> slice(NodeShapes n) {
        ValueShape x = n.shape(0);
        if (x == null) {
            return one(null);
        }
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (n.opset() < 10) {
            starts = n.attrs().getInts("starts", null);
            ends = n.attrs().getInts("ends", null);
            axes = n.attrs().getInts("axes", null);
            steps = null;
        } else {
            starts = n.constantLongs(1);
            ends = n.constantLongs(2);
            axes = n.node().hasInput(3) ? n.constantLongs(3) : null;
            steps = n.node().hasInput(4) ? n.constantLongs(4) : null;
            if ((n.node().hasInput(3) && axes == null) || (n.node().hasInput(4) && steps == null)) {
                return one(null);
            }
        }
        if (starts != null && ends == null && n.opset() >= 10) {
            return one(sliceToSymbolicEnds(n, x, starts, axes, steps));
        }
        if (starts == null || ends == null) {
            return one(null);
        }
        List<Dim> out = new ArrayList<>(x.dims());
        for (int i = 0; i < starts.length; i++) {
            int axis = n.axis(axes == null ? i : axes[i], x.rank());
            long step = steps == null ? 1 : steps[i];
            Dim d = x.dim(axis);
            if (!d.known()) {
                boolean whole = step == 1 && starts[i] == 0 && ends[i] >= Integer.MAX_VALUE;
                out.set(axis, whole ? d : Dim.unknown());
                continue;
            }
            out.set(axis, Dim.of(sliceLength(d.size(), starts[i], ends[i], step)));
        }
        return one(new ValueShape(out));
    }

    /**
     * A slice whose ends are computed from symbols, as in {@code position_ids[:, :seq_len]}: from 0 in
     * steps of 1 up to a symbolic end it has that symbol's length (the runs that do not fail
     * downstream have it within the axis); anything else is unknown.
     */
    private static ValueShape sliceToSymbolicEnds(NodeShapes n, ValueShape x, long[] starts, long[] axes, long[] steps) {
        List<Dim> ends = n.value(2);
        if (ends == null || ends.size() != starts.length) {
            return null;
        }
        List<Dim> out = new ArrayList<>(x.dims());
        for (int i = 0; i < starts.length; i++) {
            int axis = n.axis(axes == null ? i : axes[i], x.rank());
            long step = steps == null ? 1 : steps[i];
            Dim d = x.dim(axis);
            Dim end = ends.get(i);
            if (end.known() && d.known()) {
                out.set(axis, Dim.of(sliceLength(d.size(), starts[i], end.size(), step)));
            } else if (!end.known() && !end.equals(ShapeValues.INFER) && starts[i] == 0 && step == 1) {
                out.set(axis, end);
            } else {
                out.set(axis, Dim.unknown());
            }
        }
        return new ValueShape(out);
    }

    /** ONNX Slice's element count along one axis of size {@code size}. */
    static long sliceLength(long size, long start, long end, long step) {
        if (step == 0) {
            throw new IllegalArgumentException("Slice step 0");
        }
        long s = start < 0 ? start + size : start;
        long e = end < 0 ? end + size : end;
        if (step > 0) {
            s = Math.clamp(s, 0, size);
            e = Math.clamp(e, 0, size);
            return Math.max(0, (e - s + step - 1) / step);
        }
        s = Math.clamp(s, -1, size - 1);
        e = Math.clamp(e, -1, size - 1);
        return Math.max(0, (s - e + (-step) - 1) / (-step));
    }

    private static List<ValueShape> gather(NodeShapes n) {
        ValueShape data = n.shape(0);
        ValueShape indices = n.shape(1);
        if (data == null || indices == null) {
            return one(null);
        }
        int axis = n.axis(n.attrs().getInt("axis", 0), data.rank());
        List<Dim> out = new ArrayList<>(data.dims().subList(0, axis));
        out.addAll(indices.dims());
        out.addAll(data.dims().subList(axis + 1, data.rank()));
        return one(new ValueShape(out));
    }

    private static long[] axesOf(NodeShapes n) {
        return n.opset() >= 13 ? (n.node().hasInput(1) ? n.constantLongs(1) : null) : n.attrs().getInts("axes", null);
    }

    private static List<ValueShape> unsqueeze(NodeShapes n) {
        ValueShape x = n.shape(0);
        long[] axes = axesOf(n);
        if (x == null || axes == null) {
            return one(null);
        }
        int rank = x.rank() + axes.length;
        Dim[] out = new Dim[rank];
        for (long a : axes) {
            int at = n.axis(a, rank);
            if (out[at] != null) {
                throw n.fail("axis " + a + " given twice");
            }
            out[at] = Dim.of(1);
        }
        int next = 0;
        for (int i = 0; i < rank; i++) {
            if (out[i] == null) {
                out[i] = x.dim(next++);
            }
        }
        return one(new ValueShape(List.of(out)));
    }

    private static List<ValueShape> squeeze(NodeShapes n) {
        ValueShape x = n.shape(0);
        if (x == null) {
            return one(null);
        }
        boolean given = n.opset() >= 13 ? n.node().hasInput(1) : n.attrs().has("axes");
        long[] axes = axesOf(n);
        if (given && axes == null) {
            return one(null);
        }
        List<Dim> out = new ArrayList<>();
        if (!given) {
            for (Dim d : x.dims()) {
                if (!d.known()) {
                    return one(null); // whether it is squeezed depends on its size at run time
                }
                if (d.size() != 1) {
                    out.add(d);
                }
            }
            return one(new ValueShape(out));
        }
        boolean[] drop = new boolean[x.rank()];
        for (long a : axes) {
            int at = n.axis(a, x.rank());
            if (x.dim(at).known() && x.dim(at).size() != 1) {
                throw n.fail("cannot squeeze axis " + a + " of size " + x.dim(at));
            }
            drop[at] = true;
        }
        for (int i = 0; i < x.rank(); i++) {
            if (!drop[i]) {
                out.add(x.dim(i));
            }
        }
        return one(new ValueShape(out));
    }

    private static List<ValueShape> shape(NodeShapes n) {
        ValueShape x = n.shape(0);
        if (x == null) {
            return one(null);
        }
        int[] range = ShapeRange.of(n.attrs(), x.rank());
        return one(ValueShape.of(range[1] - range[0]));
    }

    private static List<ValueShape> reduce(NodeShapes n) {
        ValueShape x = n.shape(0);
        if (x == null) {
            return one(null);
        }
        boolean keep = n.attrs().getInt("keepdims", 1) != 0;
        long[] axes;
        String op = n.node().opType();
        if (op.startsWith("Arg")) {
            axes = new long[] {n.attrs().getInt("axis", 0)};
        } else if (n.attrs().has("axes")) {
            axes = n.attrs().getInts("axes", null);
        } else if (n.node().hasInput(1)) {
            axes = n.constantLongs(1);
            if (axes == null) {
                return one(null);
            }
        } else {
            axes = new long[0];
        }
        boolean all = axes.length == 0 && n.attrs().getInt("noop_with_empty_axes", 0) == 0;
        if (axes.length == 0 && !all) {
            return one(x);
        }
        boolean[] reduced = new boolean[x.rank()];
        for (long a : axes) {
            reduced[n.axis(a, x.rank())] = true;
        }
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            if (all || reduced[i]) {
                if (keep) {
                    out.add(Dim.of(1));
                }
            } else {
                out.add(x.dim(i));
            }
        }
        return one(new ValueShape(out));
    }
}
