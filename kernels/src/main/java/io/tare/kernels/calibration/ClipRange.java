package io.tare.kernels.calibration;

/**
 * The real interval a range method chose to represent; values outside it saturate.
 *
 * @param lo finite, {@code lo <= hi}
 * @param hi finite
 */
public record ClipRange(float lo, float hi) {

    public ClipRange {
        if (!Float.isFinite(lo) || !Float.isFinite(hi) || lo > hi) {
            throw new IllegalArgumentException("need finite lo <= hi: [" + lo + ", " + hi + "]");
        }
    }

    /** {@code [-amax, amax]}. */
    public static ClipRange symmetric(float amax) {
        if (!(amax >= 0)) {
            throw new IllegalArgumentException("amax must be >= 0: " + amax);
        }
        return new ClipRange(-amax, amax);
    }

    /** {@code max(|lo|, |hi|)}. */
    public float absMax() {
        return Math.max(Math.abs(lo), Math.abs(hi));
    }

    /**
     * Scale and zero point as ONNX Runtime's quantization tool derives them: the range is first
     * widened to contain 0 (so that 0 is exact, as padding and ReLU need); int8 symmetric takes
     * {@code scale = max(|lo|, |hi|) / 127}, zero point 0; uint8 asymmetric takes
     * {@code scale = (hi - lo) / 255} and {@code zeroPoint = roundHalfEven(-lo / scale)} clamped to
     * {@code [0, 255]}. A degenerate range (scale below {@link Float#MIN_NORMAL}, e.g. all zeros)
     * gives scale 1 and zero point 0, again as ONNX Runtime does, because a zero scale cannot
     * quantize.
     */
    public ScaleZeroPoint toScaleZeroPoint(ActivationEncoding encoding) {
        double rmin = Math.min(lo, 0f);
        double rmax = Math.max(hi, 0f);
        if (encoding.symmetric()) {
            float scale = (float) (Math.max(-rmin, rmax) / 127.0);
            return scale < Float.MIN_NORMAL ? new ScaleZeroPoint(1f, 0) : new ScaleZeroPoint(scale, 0);
        }
        float scale = (float) ((rmax - rmin) / (encoding.qmax() - encoding.qmin()));
        if (scale < Float.MIN_NORMAL) {
            return new ScaleZeroPoint(1f, 0);
        }
        double zp = Math.rint(encoding.qmin() - rmin / scale);
        return new ScaleZeroPoint(scale, (int) Math.max(encoding.qmin(), Math.min(encoding.qmax(), zp)));
    }
}
