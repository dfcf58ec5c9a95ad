package io.tare.server.quantize;

import java.util.List;

/**
 * Estimates, from calibration statistics alone, the quantization noise that smoothing scales
 * {@code s} would leave in the outputs of the layers reading one activation, so that a migration
 * strength can be chosen per activation without running the model once per choice.
 *
 * <p>With {@code x' = x / s} quantized per tensor (step {@code d_x}, from the largest
 * {@code max|x_j| / s_j}) and {@code W' = s W} quantized per output channel {@code k} (step
 * {@code d_k}) or per tensor, and rounding errors taken as independent and uniform (variance
 * {@code d²/12}), the output noise power summed over outputs is
 * <pre>
 *   N(s) = d_x²/12 · Σ_j s_j² Σ_k W_jk²  +  Σ_k d_k²/12 · Σ_j E[x_j²] / s_j²
 * </pre>
 * (for a Conv, each {@code W_jk} stands for its kernel taps). The FP32 output does not depend on
 * {@code s}, so comparing {@code N} compares output SQNR. Ranges are min/max, whatever the run's
 * range method: an estimate for ranking choices, not a measurement (the run measures the result).
 */
final class SmoothingNoise {

    private SmoothingNoise() {
    }

    /**
     * @param s           per input channel scale (all 1: no smoothing)
     * @param xMax        per input channel largest |x|
     * @param xMeanSquare per input channel E[x²]
     * @param readers     the layers reading x and their (unsmoothed) weights, in the same order
     * @param perChannel  weights quantized per output channel (else per tensor)
     * @param weightBits  8 or 7
     * @param activationLevels quantization levels of the activation (255 for 8 bits)
     */
    static double estimate(double[] s, float[] xMax, double[] xMeanSquare, List<QuantizableLayer> readers, List<float[]> weights,
                           boolean perChannel, int weightBits, int activationLevels) {
        int channels = s.length;
        double xRange = 0;
        double inputPower = 0;
        for (int j = 0; j < channels; j++) {
            xRange = Math.max(xRange, xMax[j] / s[j]);
            inputPower += xMeanSquare[j] / (s[j] * s[j]);
        }
        double dx = 2 * xRange / activationLevels;
        double qmax = (1 << (weightBits - 1)) - 1;
        double noise = 0;
        for (int r = 0; r < readers.size(); r++) {
            QuantizableLayer l = readers.get(r);
            float[] w = weights.get(r);
            long[] dims = l.weightDims();
            long innerIn = CrossLayerEqualization.inner(dims, l.inputAxis());
            long innerOut = CrossLayerEqualization.inner(dims, l.outputAxis());
            int outputs = l.outputChannels();
            double[] outMax = new double[perChannel ? outputs : 1];
            double rowTerm = 0;
            for (int i = 0; i < w.length; i++) {
                int j = (int) ((i / innerIn) % channels);
                double scaled = Math.abs(w[i] * s[j]);
                int k = perChannel ? (int) ((i / innerOut) % outputs) : 0;
                outMax[k] = Math.max(outMax[k], scaled);
                rowTerm += scaled * scaled;
            }
            noise += dx * dx / 12 * rowTerm;
            // each output channel has w.length / outputs weights, one per (input channel, tap)
            double taps = (double) w.length / outputs / channels;
            double weightVariance = 0;
            for (double m : outMax) {
                double dk = m / qmax;
                weightVariance += dk * dk / 12 * (perChannel ? 1 : outputs);
            }
            noise += weightVariance * inputPower * taps;
        }
        return noise;
    }
}
