package io.tare.server.quantize;

import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * SmoothQuant (Xiao et al., 2023): activations with a few large channels quantize badly per tensor,
 * weights tolerate them well, so per input channel {@code j} the activation is divided by
 * {@code s_j = max|X_j|^alpha / max|W_j|^(1 - alpha)} and the weight's input row {@code j}
 * multiplied by it; {@code X W} is unchanged in exact arithmetic. Layers reading the same
 * activation share one {@code s} (their weight maxima are pooled).
 *
 * <p>Where the division goes, in order of preference:
 * <ol>
 *   <li>folded into the producer: a LayerNormalization's scale and bias, or the output channels of
 *       a preceding Conv/Gemm/MatMul (through one Relu, since relu(x)/s = relu(x/s)); allowed only
 *       when every reader of the activation is one of the smoothed layers;</li>
 *   <li>otherwise an explicit {@code Mul} by {@code 1/s} that only the smoothed layers read (other
 *       readers keep the original activation).</li>
 * </ol>
 * {@code s} is clamped to [1e-5, 1e5] so that dead channels do not produce infinities.
 */
final class ActivationSmoothing {

    /**
     * One smoothed activation, for the report.
     *
     * @param activation   the activation as calibrated before smoothing
     * @param quantizedAs  the value the smoothed layers read afterwards (the same name when folded into
     *                     the producer, {@code <activation>_smoothed} behind an inserted Mul)
     * @param layers       the layers reading it, whose weights absorbed {@code s}
     * @param folded       whether the division was folded into the producer (no extra op)
     * @param spreadBefore largest per-channel |max| over the median one, before smoothing: how far
     *                     outlier channels stretch a per-tensor range
     * @param spreadAfter  the same after dividing by {@code s}
     */
    record Smoothed(String activation, String quantizedAs, List<String> layers, boolean folded, double alpha,
                    double spreadBefore, double spreadAfter) {
    }

    /** Migration strengths {@code --smooth auto} chooses among for each activation (or leaves it unsmoothed). */
    static final double[] AUTO_ALPHAS = {0.25, 0.4, 0.5, 0.6, 0.75, 0.85};

    /**
     * How to smooth.
     *
     * @param alphas     one fixed migration strength, or {@link #AUTO_ALPHAS} to choose per activation
     * @param auto       choose per activation the strength (or none) with the least estimated output
     *                   noise ({@link SmoothingNoise}); false applies {@code alphas[0]} everywhere
     * @param perChannel how the weights will be quantized, for the estimate
     * @param weightBits 8 or 7, for the estimate
     */
    record Strength(double[] alphas, boolean auto, boolean perChannel, int weightBits) {

        static Strength fixed(double alpha) {
            return new Strength(new double[] {alpha}, false, true, 8);
        }
    }

    /** The smoothed model and what was smoothed. */
    record Result(ModelProto model, List<Smoothed> smoothed) {
    }

    private ActivationSmoothing() {
    }

    static Result apply(ModelProto model, List<QuantizableLayer> layers, Calibration cal, Strength strength,
                        List<String> transforms) {
        GraphIndex g = new GraphIndex(model);
        Map<String, List<QuantizableLayer>> byActivation = new LinkedHashMap<>();
        for (QuantizableLayer l : layers) {
            if (l.inputAxis() >= 0 && cal.channels().containsKey(l.activation())) {
                byActivation.computeIfAbsent(l.activation(), k -> new ArrayList<>()).add(l);
            }
        }
        int folded = 0;
        int muls = 0;
        List<Smoothed> smoothed = new ArrayList<>();
        for (Map.Entry<String, List<QuantizableLayer>> e : byActivation.entrySet()) {
            String x = e.getKey();
            List<QuantizableLayer> readers = e.getValue();
            int channels = readers.getFirst().inputChannels();
            if (readers.stream().anyMatch(l -> l.inputChannels() != channels || l.isMatrixProduct() != readers.getFirst().isMatrixProduct()
                    || g.consumers(l.weight()).size() != 1)) {
                continue;
            }
            float[] xMax = cal.channels().get(x).absMax();
            double[] wMax = new double[channels];
            for (QuantizableLayer l : readers) {
                double[] r = CrossLayerEqualization.channelAbsMax(g.floats(l.weight()), l.weightDims(), l.inputAxis(), channels);
                for (int j = 0; j < channels; j++) {
                    wMax[j] = Math.max(wMax[j], r[j]);
                }
            }
            double alpha = strength.alphas()[0];
            double[] s = scales(xMax, wMax, alpha);
            if (strength.auto()) {
                List<float[]> weights = readers.stream().map(l -> g.floats(l.weight()).clone()).toList();
                double[] meanSquare = cal.channels().get(x).meanSquare();
                double[] none = new double[channels];
                Arrays.fill(none, 1);
                double best = SmoothingNoise.estimate(none, xMax, meanSquare, readers, weights, strength.perChannel(),
                        strength.weightBits(), 255);
                s = null;
                for (double a : strength.alphas()) {
                    double[] candidate = scales(xMax, wMax, a);
                    double n = SmoothingNoise.estimate(candidate, xMax, meanSquare, readers, weights, strength.perChannel(),
                            strength.weightBits(), 255);
                    if (n < best) {
                        best = n;
                        s = candidate;
                        alpha = a;
                    }
                }
                if (s == null) {
                    continue; // smoothing would only add noise here
                }
            }
            for (QuantizableLayer l : readers) {
                CrossLayerEqualization.scale(g.floats(l.weight()), l.weightDims(), l.inputAxis(), s, false);
            }
            double[] after = new double[channels];
            for (int j = 0; j < channels; j++) {
                after[j] = xMax[j] / s[j];
            }
            List<String> names = readers.stream().map(QuantizableLayer::name).toList();
            if (foldIntoProducer(g, x, readers, layers, s)) {
                folded++;
                smoothed.add(new Smoothed(x, x, names, true, alpha, spread(xMax), spread(after)));
            } else {
                smoothed.add(new Smoothed(x, insertMul(g, x, readers, s), names, false, alpha, spread(xMax), spread(after)));
                muls++;
            }
        }
        String how = strength.auto() ? "alpha chosen per activation from " + Arrays.toString(strength.alphas())
                + " by estimated output noise, " + (byActivation.size() - folded - muls) + " of " + byActivation.size()
                + " left unsmoothed" : String.format("alpha %.2f", strength.alphas()[0]);
        transforms.add(String.format("SmoothQuant smoothing (%s): %d activations, %d folded into the producing op,"
                + " %d through an inserted Mul", how, folded + muls, folded, muls));
        return new Result(g.build(), smoothed);
    }

    /** SmoothQuant's {@code s_j = max|x_j|^alpha / max|W_j|^(1 - alpha)}, clamped to [1e-5, 1e5]. */
    private static double[] scales(float[] xMax, double[] wMax, double alpha) {
        double[] s = new double[xMax.length];
        for (int j = 0; j < s.length; j++) {
            double v = xMax[j] > 0 && wMax[j] > 0 ? Math.pow(xMax[j], alpha) / Math.pow(wMax[j], 1 - alpha) : 1;
            s[j] = Math.max(1e-5, Math.min(1e5, v));
        }
        return s;
    }

    /** Largest over median of per-channel |max| (channels that never fire do not count). */
    static double spread(float[] channelMax) {
        return spread(IntStream.range(0, channelMax.length).mapToDouble(j -> channelMax[j]).toArray());
    }

    static double spread(double[] channelMax) {
        double[] live = Arrays.stream(channelMax).filter(v -> v > 0).sorted().toArray();
        return live.length == 0 ? 1 : live[live.length - 1] / live[live.length / 2];
    }

    private static boolean foldIntoProducer(GraphIndex g, String x, List<QuantizableLayer> readers, List<QuantizableLayer> layers,
                                            double[] s) {
        if (g.isGraphOutput(x) || g.consumers(x).size() != readers.size()) {
            return false;
        }
        NodeProto p = g.producer(x);
        if (p == null) {
            return false;
        }
        if (p.getOpType().equals("LayerNormalization") && p.getInputCount() >= 2 && g.isFloatInitializer(p.getInput(1))
                && g.consumers(p.getInput(1)).size() == 1) {
            float[] gamma = g.floats(p.getInput(1));
            if (gamma.length != s.length) {
                return false;
            }
            float[] beta = p.getInputCount() > 2 && !p.getInput(2).isEmpty() && g.isFloatInitializer(p.getInput(2))
                    && g.consumers(p.getInput(2)).size() == 1 ? g.floats(p.getInput(2)) : null;
            if (p.getInputCount() > 2 && !p.getInput(2).isEmpty() && beta == null) {
                return false;
            }
            for (int j = 0; j < s.length; j++) {
                gamma[j] = (float) (gamma[j] / s[j]);
                if (beta != null) {
                    beta[j] = (float) (beta[j] / s[j]);
                }
            }
            return true;
        }
        p = g.producerThroughRelu(x);
        if (p == null) {
            return false;
        }
        for (QuantizableLayer l1 : layers) {
            if (g.node(l1.nodeIndex()).getOutput(0).equals(p.getOutput(0)) && l1.outputChannels() == s.length
                    && g.consumers(l1.weight()).size() == 1 && (l1.bias() == null || g.consumers(l1.bias()).size() == 1)) {
                CrossLayerEqualization.scale(g.floats(l1.weight()), l1.weightDims(), l1.outputAxis(), s, true);
                if (l1.bias() != null) {
                    float[] b = g.floats(l1.bias());
                    for (int j = 0; j < s.length; j++) {
                        b[j] = (float) (b[j] / s[j]);
                    }
                }
                return true;
            }
        }
        return false;
    }

    /** @return the name of the smoothed value the readers now take */
    private static String insertMul(GraphIndex g, String x, List<QuantizableLayer> readers, double[] s) {
        float[] inv = new float[s.length];
        for (int j = 0; j < s.length; j++) {
            inv[j] = (float) (1 / s[j]);
        }
        boolean lastAxis = readers.getFirst().isMatrixProduct();
        long[] dims = lastAxis ? new long[] {s.length} : new long[] {1, s.length, 1, 1};
        String factor = x + "_smooth_scale";
        String smoothed = x + "_smoothed";
        g.addInitializer(TensorProtos.floatTensor(factor, dims, inv));
        int first = readers.stream().mapToInt(QuantizableLayer::nodeIndex).min().orElseThrow();
        g.insertBefore(first, NodeProto.newBuilder().setOpType("Mul").setName(x + "_Smooth").addInput(x).addInput(factor)
                .addOutput(smoothed).build());
        for (QuantizableLayer l : readers) {
            NodeProto n = g.node(l.nodeIndex());
            g.replaceNode(l.nodeIndex(), n.toBuilder().setInput(0, smoothed).build());
        }
        return smoothed;
    }
}
