package io.tare.server.quantize;

import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import java.util.List;

/**
 * Cross-layer equalization (Nagel et al., "Data-Free Quantization Through Weight Equalization and
 * Bias Correction", 2019) for chains {@code layer1 -> [Relu] -> layer2} of Conv/Gemm/MatMul
 * layers: since {@code relu(x / s) = relu(x) / s} for {@code s > 0}, output channel {@code c} of
 * layer 1 (weights and bias) can be divided by {@code s_c} and input channel {@code c} of layer 2
 * multiplied by it without changing the FP32 function. Choosing
 * {@code s_c = sqrt(r1_c / r2_c)} (r = the channel's largest |w|) gives both channels the same
 * range {@code sqrt(r1_c r2_c)}, which helps per-tensor weight quantization most, where one wide
 * channel otherwise sets the scale for all.
 *
 * <p>A pair qualifies only when layer 1's output (and the Relu's) is read by nothing but the next
 * node of the chain and is not a graph output, and layer 1's output channels are layer 2's dense
 * input channels. Four sweeps let longer chains settle.
 */
final class CrossLayerEqualization {

    private static final int SWEEPS = 4;

    private CrossLayerEqualization() {
    }

    static ModelProto apply(ModelProto model, List<QuantizableLayer> layers, List<String> transforms) {
        GraphIndex g = new GraphIndex(model);
        int pairs = 0;
        double before = 0;
        double after = 0;
        for (int sweep = 0; sweep < SWEEPS; sweep++) {
            for (QuantizableLayer l2 : layers) {
                QuantizableLayer l1 = upstream(g, l2, layers);
                if (l1 == null) {
                    continue;
                }
                double[] spread = equalize(g, l1, l2);
                if (sweep == 0) {
                    pairs++;
                    before += spread[0];
                }
                if (sweep == SWEEPS - 1) {
                    after += spread[1];
                }
            }
        }
        if (pairs == 0) {
            transforms.add("cross-layer equalization: no Conv/Gemm -> [Relu] -> Conv/Gemm chain qualifies; model unchanged");
            return model;
        }
        transforms.add(String.format("cross-layer equalization: %d layer pairs; mean max/min channel-range ratio of the"
                + " first layers' weights %.1f -> %.1f", pairs, before / pairs, after / pairs));
        return g.build();
    }

    /** The layer feeding {@code l2} through at most one Relu, when the pair qualifies. */
    private static QuantizableLayer upstream(GraphIndex g, QuantizableLayer l2, List<QuantizableLayer> layers) {
        if (l2.inputAxis() < 0) {
            return null;
        }
        String x = l2.activation();
        if (g.isGraphOutput(x) || g.consumers(x).size() != 1) {
            return null;
        }
        NodeProto p = g.producerThroughRelu(x);
        if (p == null) {
            return null;
        }
        for (QuantizableLayer l1 : layers) {
            if (g.node(l1.nodeIndex()).getOutput(0).equals(p.getOutput(0)) && l1.outputChannels() == l2.inputChannels()
                    && g.consumers(l1.weight()).size() == 1 && g.consumers(l2.weight()).size() == 1
                    && (l1.bias() == null || g.consumers(l1.bias()).size() == 1)) {
                return l1;
            }
        }
        return null;
    }

    /** Rescales the pair in place; returns layer 1's max/min channel-range ratio before and after. */
    private static double[] equalize(GraphIndex g, QuantizableLayer l1, QuantizableLayer l2) {
        float[] w1 = g.floats(l1.weight());
        float[] w2 = g.floats(l2.weight());
        int channels = l1.outputChannels();
        double[] r1 = channelAbsMax(w1, l1.weightDims(), l1.outputAxis(), channels);
        double[] r2 = channelAbsMax(w2, l2.weightDims(), l2.inputAxis(), channels);
        double before = spread(r1);
        double[] s = new double[channels];
        for (int c = 0; c < channels; c++) {
            s[c] = r1[c] > 0 && r2[c] > 0 ? Math.sqrt(r1[c] / r2[c]) : 1;
        }
        scale(w1, l1.weightDims(), l1.outputAxis(), s, true);
        scale(w2, l2.weightDims(), l2.inputAxis(), s, false);
        if (l1.bias() != null) {
            float[] b = g.floats(l1.bias());
            for (int c = 0; c < channels; c++) {
                b[c] = (float) (b[c] / s[c]);
            }
        }
        return new double[] {before, spread(channelAbsMax(w1, l1.weightDims(), l1.outputAxis(), channels))};
    }

    static double[] channelAbsMax(float[] w, long[] dims, int axis, int channels) {
        long inner = inner(dims, axis);
        double[] r = new double[channels];
        for (int i = 0; i < w.length; i++) {
            int c = (int) ((i / inner) % channels);
            r[c] = Math.max(r[c], Math.abs(w[i]));
        }
        return r;
    }

    /** Divides ({@code divide}) or multiplies each element by the scale of its index along {@code axis}. */
    static void scale(float[] w, long[] dims, int axis, double[] s, boolean divide) {
        long inner = inner(dims, axis);
        for (int i = 0; i < w.length; i++) {
            int c = (int) ((i / inner) % s.length);
            w[i] = (float) (divide ? w[i] / s[c] : w[i] * s[c]);
        }
    }

    /** Elements per index of {@code axis}: the product of the dimensions after it. */
    static long inner(long[] dims, int axis) {
        long n = 1;
        for (int d = axis + 1; d < dims.length; d++) {
            n *= dims[d];
        }
        return n;
    }

    private static double spread(double[] r) {
        double max = 0;
        double min = Double.POSITIVE_INFINITY;
        for (double v : r) {
            if (v > 0) {
                max = Math.max(max, v);
                min = Math.min(min, v);
            }
        }
        return min == Double.POSITIVE_INFINITY ? 1 : max / min;
    }
}
