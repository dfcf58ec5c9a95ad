package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import java.util.Arrays;

/**
 * ONNX Resize (opset 10 to 19) on FLOAT tensors of any rank: nearest (all four nearest_mode
 * roundings), linear and cubic interpolation, every coordinate_transformation_mode including
 * tf_crop_and_resize with its roi and extrapolation_value, exclude_outside, scales or sizes with
 * axes and keep_aspect_ratio_policy. Interpolation is separable: each output axis gets a list of
 * (input index, weight) taps, and every output value is the weighted sum over the product of its
 * axes' taps. Antialiasing (opset 18's antialias=1) is refused at load.
 */
final class ResizeOp implements Operator {
    private final String mode;
    private final String transform;
    private final String nearestMode;
    private final float cubicA;
    private final boolean excludeOutside;
    private final float extrapolation;
    private final long[] axes;
    private final String aspectPolicy;
    private final int opset;

    private ResizeOp(NodeSetup s) {
        this.opset = s.opset();
        this.mode = s.attrs().getString("mode", "nearest");
        this.transform = s.attrs().getString("coordinate_transformation_mode",
                s.opset() < 11 ? "asymmetric" : "half_pixel");
        this.nearestMode = s.attrs().getString("nearest_mode", s.opset() < 11 ? "floor" : "round_prefer_floor");
        this.cubicA = s.attrs().getFloat("cubic_coeff_a", -0.75f);
        this.excludeOutside = s.attrs().getInt("exclude_outside", 0) != 0;
        this.extrapolation = s.attrs().getFloat("extrapolation_value", 0f);
        this.axes = s.attrs().getInts("axes", null);
        this.aspectPolicy = s.attrs().getString("keep_aspect_ratio_policy", "stretch");
        if (s.attrs().getInt("antialias", 0) != 0) {
            throw s.unsupported("antialias=1");
        }
        if (!Arrays.asList("nearest", "linear", "cubic").contains(mode)) {
            throw s.unsupported("mode '" + mode + "'");
        }
        if (!Arrays.asList("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                "tf_crop_and_resize", "tf_half_pixel_for_nearest").contains(transform)) {
            throw s.unsupported("coordinate_transformation_mode '" + transform + "'");
        }
        if (transform.equals("tf_half_pixel_for_nearest") && s.opset() >= 13) {
            throw s.unsupported("tf_half_pixel_for_nearest was removed in opset 13");
        }
    }

    static void register(OperatorRegistry r) {
        r.register("Resize", 10, ResizeOp::new);
    }

    /** Taps of one output index along one axis; {@code outside} marks tf_crop_and_resize extrapolation. */
    private record Taps(int[][] index, float[][] weight, boolean[] outside) { }

    @Override
    public void run(OpContext ctx) {
        Tensor x = ctx.input(0);
        if (x.type() != DataType.FLOAT) {
            throw new EngineException("Resize supports FLOAT data only, got " + x.type());
        }
        int rank = x.rank();
        // opset 10: (X, scales); 11+: (X, roi, scales, sizes)
        Tensor roiT = opset < 11 ? null : ctx.input(1);
        Tensor scalesT = opset < 11 ? ctx.input(1) : ctx.input(2);
        Tensor sizesT = opset < 11 ? null : ctx.input(3);
        int[] axisList = axisList(rank);
        double[] scales = new double[rank];
        int[] out = x.shape().clone();
        Arrays.fill(scales, 1.0);
        if (sizesT != null && sizesT.size() > 0) {
            long[] sizes = sizesT.toLongArray();
            if (sizes.length != axisList.length) {
                throw new EngineException("sizes has " + sizes.length + " values for " + axisList.length + " axes");
            }
            applySizes(x.shape(), axisList, sizes, scales, out);
        } else if (scalesT != null && scalesT.size() > 0) {
            if (scalesT.size() != axisList.length) {
                throw new EngineException("scales has " + scalesT.size() + " values for " + axisList.length + " axes");
            }
            for (int i = 0; i < axisList.length; i++) {
                float sc = (float) scalesT.getDouble(i);
                scales[axisList[i]] = sc;
                out[axisList[i]] = (int) Math.floor(x.dim(axisList[i]) * (double) sc);
            }
        } else {
            throw new EngineException("Resize needs scales or sizes");
        }
        double[] roi = roi(roiT, rank, axisList);
        Taps[] taps = new Taps[rank];
        for (int a = 0; a < rank; a++) {
            taps[a] = taps(x.dim(a), out[a], scales[a], roi[a], roi[a + rank]);
        }
        float[] y = ctx.output(0, DataType.FLOAT, out).floats();
        interpolate(x.floats(), x.shape(), out, taps, y);
    }

    private int[] axisList(int rank) {
        if (axes == null) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] list = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            list[i] = Axes.normalize(axes[i], rank);
        }
        return list;
    }

    private void applySizes(int[] in, int[] axisList, long[] sizes, double[] scales, int[] out) {
        if (aspectPolicy.equals("stretch")) {
            for (int i = 0; i < axisList.length; i++) {
                out[axisList[i]] = (int) sizes[i];
                scales[axisList[i]] = sizes[i] / (double) in[axisList[i]];
            }
            return;
        }
        boolean notLarger = aspectPolicy.equals("not_larger");
        if (!notLarger && !aspectPolicy.equals("not_smaller")) {
            throw new EngineException("keep_aspect_ratio_policy '" + aspectPolicy + "'");
        }
        double scale = notLarger ? Double.MAX_VALUE : 0;
        for (int i = 0; i < axisList.length; i++) {
            double s = sizes[i] / (double) in[axisList[i]];
            scale = notLarger ? Math.min(scale, s) : Math.max(scale, s);
        }
        for (int axis : axisList) {
            scales[axis] = scale;
            out[axis] = (int) Math.rint(scale * in[axis]); // half to even, as the reference's numpy round
        }
    }

    private static double[] roi(Tensor roiT, int rank, int[] axisList) {
        double[] roi = new double[2 * rank];
        for (int a = 0; a < rank; a++) {
            roi[a + rank] = 1.0;
        }
        if (roiT == null || roiT.size() == 0) {
            return roi;
        }
        int n = axisList.length;
        if (roiT.size() != 2 * n) {
            throw new EngineException("roi has " + roiT.size() + " values for " + n + " axes");
        }
        for (int i = 0; i < n; i++) {
            roi[axisList[i]] = roiT.getDouble(i);
            roi[axisList[i] + rank] = roiT.getDouble(i + n);
        }
        return roi;
    }

    /** The input coordinate output index {@code o} maps to along one axis. */
    private double source(int o, int inLen, int outLen, double scale, double roiStart, double roiEnd) {
        return switch (transform) {
            case "half_pixel" -> (o + 0.5) / scale - 0.5;
            case "half_pixel_symmetric" -> {
                double adjustment = outLen / (scale * inLen);
                double center = inLen / 2.0;
                double offset = center * (1 - adjustment);
                yield offset + (o + 0.5) / scale - 0.5;
            }
            case "pytorch_half_pixel" -> outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
            case "align_corners" -> outLen == 1 ? 0 : o * (inLen - 1) / (double) (outLen - 1);
            case "asymmetric" -> o / scale;
            case "tf_half_pixel_for_nearest" -> (o + 0.5) / scale;
            case "tf_crop_and_resize" -> outLen > 1
                    ? roiStart * (inLen - 1) + o * (roiEnd - roiStart) * (inLen - 1) / (outLen - 1)
                    : 0.5 * (roiStart + roiEnd) * (inLen - 1);
            default -> throw new EngineException("coordinate_transformation_mode '" + transform + "'");
        };
    }

    private Taps taps(int inLen, int outLen, double scale, double roiStart, double roiEnd) {
        int[][] index = new int[outLen][];
        float[][] weight = new float[outLen][];
        boolean[] outside = new boolean[outLen];
        for (int o = 0; o < outLen; o++) {
            if (inLen == outLen && scale == 1.0 && !transform.startsWith("tf_")) { // identity axis
                index[o] = new int[] {o};
                weight[o] = new float[] {1f};
                continue;
            }
            double c = source(o, inLen, outLen, scale, roiStart, roiEnd);
            if (transform.equals("tf_crop_and_resize") && (c < 0 || c > inLen - 1)) {
                outside[o] = true;
                index[o] = new int[0];
                weight[o] = new float[0];
                continue;
            }
            switch (mode) {
                case "nearest" -> {
                    index[o] = new int[] {Math.clamp(nearest(c, scale), 0, inLen - 1)};
                    weight[o] = new float[] {1f};
                }
                case "linear" -> {
                    double cc = Math.clamp(c, 0, inLen - 1);
                    int i0 = (int) Math.floor(cc);
                    int i1 = Math.min(i0 + 1, inLen - 1);
                    double f = cc - i0;
                    index[o] = new int[] {i0, i1};
                    weight[o] = new float[] {(float) (1 - f), (float) f};
                }
                default -> cubic(c, inLen, o, index, weight);
            }
        }
        return new Taps(index, weight, outside);
    }

    private int nearest(double c, double scale) {
        return switch (nearestMode) {
            case "round_prefer_floor" -> c == Math.floor(c) + 0.5 ? (int) Math.floor(c) : (int) Math.round(c);
            case "round_prefer_ceil" -> (int) Math.round(c);
            case "floor" -> (int) Math.floor(c);
            case "ceil" -> (int) Math.ceil(c);
            default -> throw new EngineException("nearest_mode '" + nearestMode + "'");
        };
    }

    /** Keys' cubic convolution over 4 taps, edge-clamped, or renormalized without outside taps. */
    private void cubic(double c, int inLen, int o, int[][] index, float[][] weight) {
        int base = (int) Math.floor(c);
        double t = c - base;
        double[] coeff = {cubicWeight(t + 1), cubicWeight(t), cubicWeight(1 - t), cubicWeight(2 - t)};
        int[] idx = new int[4];
        double sum = 0;
        for (int k = 0; k < 4; k++) {
            int i = base - 1 + k;
            if (excludeOutside && (i < 0 || i >= inLen)) {
                coeff[k] = 0;
            }
            idx[k] = Math.clamp(i, 0, inLen - 1);
            sum += coeff[k];
        }
        float[] w = new float[4];
        for (int k = 0; k < 4; k++) {
            w[k] = (float) (excludeOutside ? coeff[k] / sum : coeff[k]);
        }
        index[o] = idx;
        weight[o] = w;
    }

    private double cubicWeight(double d) {
        double a = cubicA;
        double x = Math.abs(d);
        if (x <= 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        }
        return 0;
    }

    /** y[o] = sum over the product of the axes' taps of weight * x[taps]. */
    private void interpolate(float[] x, int[] in, int[] out, Taps[] taps, float[] y) {
        int rank = in.length;
        int[] inStride = new int[rank];
        int s = 1;
        for (int a = rank - 1; a >= 0; a--) {
            inStride[a] = s;
            s *= in[a];
        }
        int total = Tensor.sizeOf(out);
        int[] pos = new int[rank];
        int[] tap = new int[rank];
        for (int o = 0; o < total; o++) {
            boolean outside = false;
            for (int a = 0; a < rank && !outside; a++) {
                outside = taps[a].outside()[pos[a]];
            }
            if (outside) {
                y[o] = extrapolation;
            } else {
                double acc = 0;
                Arrays.fill(tap, 0);
                while (true) {
                    double w = 1;
                    int offset = 0;
                    for (int a = 0; a < rank; a++) {
                        w *= taps[a].weight()[pos[a]][tap[a]];
                        offset += taps[a].index()[pos[a]][tap[a]] * inStride[a];
                    }
                    acc += w * x[offset];
                    int a = rank - 1;
                    while (a >= 0 && ++tap[a] >= taps[a].index()[pos[a]].length) {
                        tap[a] = 0;
                        a--;
                    }
                    if (a < 0) {
                        break;
                    }
                }
                y[o] = (float) acc;
            }
            for (int a = rank - 1; a >= 0; a--) {
                if (++pos[a] < out[a]) {
                    break;
                }
                pos[a] = 0;
            }
        }
    }
}
