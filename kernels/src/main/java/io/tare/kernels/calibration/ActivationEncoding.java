package io.tare.kernels.calibration;

/**
 * How a calibrated activation is stored: int8 symmetric (zero point 0) or uint8 asymmetric.
 * {@link #qmin()}/{@link #qmax()} are the saturation limits of ONNX {@code QuantizeLinear}; the
 * symmetric int8 scale uses 127 so that {@code -amax} and {@code amax} are both representable.
 */
public enum ActivationEncoding {
    INT8_SYMMETRIC(-128, 127),
    UINT8_ASYMMETRIC(0, 255);

    private final int qmin;
    private final int qmax;

    ActivationEncoding(int qmin, int qmax) {
        this.qmin = qmin;
        this.qmax = qmax;
    }

    /** Lowest stored integer (saturation limit). */
    public int qmin() {
        return qmin;
    }

    /** Highest stored integer (saturation limit). */
    public int qmax() {
        return qmax;
    }

    public boolean symmetric() {
        return this == INT8_SYMMETRIC;
    }
}
