package io.tare.server.quantize;

/**
 * Bias correction (Nagel et al., "Data-Free Quantization Through Weight Equalization and Bias
 * Correction", 2019, empirical form): quantizing a weight shifts the layer's expected output by
 * {@code (W~ - W) E[x]}, a systematic error that rounding does not average out; subtracting it
 * from the bias removes it. {@code E[x]} is the per-input-channel mean measured on the calibration
 * data. For a Gemm/MatMul the correction is exact in expectation; for a Conv it treats every
 * kernel tap as seeing the channel mean, which padding makes slightly wrong at the borders.
 */
final class BiasCorrection {

    private BiasCorrection() {
    }

    /**
     * @param bias  the float bias, or null for none (a zero bias is then corrected)
     * @param means mean of each input channel of the layer's activation
     * @return the corrected bias, one entry per output channel
     */
    static float[] correctedBias(QuantizableLayer l, float[] w, float[] wq, float[] bias, double[] means) {
        if (l.inputAxis() < 0) {
            return bias; // grouped convolution: no dense input-channel mean to apply
        }
        long[] dims = l.weightDims();
        if (means.length != dims[l.inputAxis()]) {
            throw new QuantizeException("bias correction of " + l.name() + ": " + means.length + " channel means for "
                    + dims[l.inputAxis()] + " input channels");
        }
        long outInner = CrossLayerEqualization.inner(dims, l.outputAxis());
        long inInner = CrossLayerEqualization.inner(dims, l.inputAxis());
        int outs = l.outputChannels();
        double[] shift = new double[outs];
        for (int i = 0; i < w.length; i++) {
            int o = (int) ((i / outInner) % outs);
            int c = (int) ((i / inInner) % dims[l.inputAxis()]);
            shift[o] += (double) (wq[i] - w[i]) * means[c];
        }
        float[] out = new float[outs];
        for (int o = 0; o < outs; o++) {
            out[o] = (float) ((bias == null ? 0 : bias[o]) - shift[o]);
        }
        return out;
    }
}
