package io.tare.server.quantize;

/**
 * Per-channel running statistics of one activation: the largest magnitude (for smoothing's
 * migration scales), the mean (for bias correction's expected input) and the mean square (for
 * smoothing's noise estimate). The channel axis is 1 for 4-D NCHW tensors entering a Conv and the
 * last axis for the rows entering a Gemm/MatMul. Memory is three arrays of the channel count,
 * whatever the number of samples. Not thread-safe.
 */
public final class ChannelStats {

    private final int channels;
    private final float[] absMax;
    private final double[] sum;
    private final double[] sumSquares;
    private long perChannelCount;

    public ChannelStats(int channels) {
        this.channels = channels;
        this.absMax = new float[channels];
        this.sum = new double[channels];
        this.sumSquares = new double[channels];
    }

    /**
     * Adds one tensor.
     *
     * @param lastAxis true when channels are the last axis (Gemm/MatMul rows), false for NCHW
     */
    public void add(float[] data, int length, long[] shape, boolean lastAxis) {
        if (lastAxis) {
            if (shape[shape.length - 1] != channels) {
                throw new QuantizeException("expected " + channels + " features in the last axis, got shape "
                        + java.util.Arrays.toString(shape));
            }
            for (int i = 0; i < length; i++) {
                int c = i % channels;
                float v = data[i];
                sum[c] += v;
                sumSquares[c] += (double) v * v;
                absMax[c] = Math.max(absMax[c], Math.abs(v));
            }
            perChannelCount += length / channels;
            return;
        }
        if (shape.length < 2 || shape[1] != channels) {
            throw new QuantizeException("expected " + channels + " channels on axis 1, got shape " + java.util.Arrays.toString(shape));
        }
        int inner = 1;
        for (int i = 2; i < shape.length; i++) {
            inner *= (int) shape[i];
        }
        int outer = length / (channels * inner);
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                int base = (o * channels + c) * inner;
                double s = 0;
                double sq = 0;
                float m = absMax[c];
                for (int k = 0; k < inner; k++) {
                    float v = data[base + k];
                    s += v;
                    sq += (double) v * v;
                    m = Math.max(m, Math.abs(v));
                }
                sum[c] += s;
                sumSquares[c] += sq;
                absMax[c] = m;
            }
        }
        perChannelCount += (long) outer * inner;
    }

    public int channels() {
        return channels;
    }

    /** Largest |x| seen per channel (a copy). */
    public float[] absMax() {
        return absMax.clone();
    }

    /** Mean per channel. @throws IllegalStateException before any data */
    public double[] mean() {
        return perValue(sum);
    }

    /** Mean of x² per channel. @throws IllegalStateException before any data */
    public double[] meanSquare() {
        return perValue(sumSquares);
    }

    private double[] perValue(double[] total) {
        if (perChannelCount == 0) {
            throw new IllegalStateException("no data");
        }
        double[] m = new double[channels];
        for (int c = 0; c < channels; c++) {
            m[c] = total[c] / perChannelCount;
        }
        return m;
    }
}
