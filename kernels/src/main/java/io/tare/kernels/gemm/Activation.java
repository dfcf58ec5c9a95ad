package io.tare.kernels.gemm;

/** Element-wise activation fused into a GEMM epilogue. */
public enum Activation {
    NONE,
    RELU,
    /** Exact GELU, {@code 0.5 x (1 + erf(x / sqrt 2))} (ONNX Gelu, approximate="none"). */
    GELU;

    /** Applies this activation to one value. */
    public float apply(float x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> Math.max(x, 0f);
            case GELU -> gelu(x);
        };
    }

    /**
     * GELU through erf from Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, under
     * float resolution for |GELU(x)| >= 1). Computed in double, rounded once to float.
     */
    static float gelu(float x) {
        double z = Math.abs(x) / Math.sqrt(2.0);
        double t = 1.0 / (1.0 + 0.3275911 * z);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double erf = 1.0 - poly * Math.exp(-z * z);
        if (x < 0) {
            erf = -erf;
        }
        return (float) (0.5 * x * (1.0 + erf));
    }
}
