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
     * GELU as {@code 0.5 x erfc(-x / sqrt 2)}, with erfc from Numerical Recipes' Chebyshev fit
     * ({@code erfcc}: fractional error below 1.2e-7 for every argument). Writing it through erfc
     * rather than {@code 1 + erf} keeps the error relative on the negative side, where
     * {@code 1 + erf} cancels (at x = -3, an erf with 1.5e-7 absolute error is 5e-5 off in
     * relative terms). Computed in double, rounded once to float. This is the scalar reference of
     * {@link io.tare.kernels.Kernels#gelu}.
     */
    public static float gelu(float x) {
        double z = Math.abs(x) * 0.7071067811865476;
        double t = 1.0 / (1.0 + 0.5 * z);
        double erfc = t * Math.exp(-z * z + erfcPolynomial(t));
        double g = x >= 0 ? x * (1.0 - 0.5 * erfc) : 0.5 * x * erfc;
        return (float) g;
    }

    /** The exponent correction of NR's erfcc, {@code -1.26551223 + t(1.00002368 + ...)}. */
    static double erfcPolynomial(double t) {
        return -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    }
}
