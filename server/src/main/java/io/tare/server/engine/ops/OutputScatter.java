package io.tare.server.engine.ops;

/**
 * Writes one output channel of a convolution's [pixels, channels] GEMM block into its NCHW plane,
 * adding the channel's bias and applying the fused activation on the way (ReLU inline, the rest
 * through {@link FusedActivation#apply}). Doing this here rather than in the GEMM epilogue costs
 * nothing extra: the transposing copy touches every value anyway. Stateless.
 */
public final class OutputScatter {
    private OutputScatter() {
    }

    /** {@code y[dst + p] = act(block[p * n + j] + bias)} for {@code p < pixels}. */
    public static void floats(float[] block, int j, int n, int pixels, float bias, FusedActivation act, float[] y,
            int dst) {
        switch (act.kind()) {
            case NONE -> {
                for (int p = 0; p < pixels; p++) {
                    y[dst + p] = block[p * n + j] + bias;
                }
            }
            case RELU -> {
                for (int p = 0; p < pixels; p++) {
                    y[dst + p] = Math.max(block[p * n + j] + bias, 0f);
                }
            }
            default -> {
                for (int p = 0; p < pixels; p++) {
                    y[dst + p] = act.apply(block[p * n + j] + bias);
                }
            }
        }
    }

    /**
     * Bytes: {@code y[dst + p] = block[p * n + j]}, raised to at least {@code floor} when
     * {@code relu} (a ReLU after requantization is {@code max(q, zero point)}, exactly).
     */
    public static void bytes(byte[] block, int j, int n, int pixels, boolean relu, int floor, boolean signed,
            byte[] y, int dst) {
        if (!relu) {
            for (int p = 0; p < pixels; p++) {
                y[dst + p] = block[p * n + j];
            }
        } else if (signed) {
            for (int p = 0; p < pixels; p++) {
                y[dst + p] = (byte) Math.max(block[p * n + j], floor);
            }
        } else {
            for (int p = 0; p < pixels; p++) {
                y[dst + p] = (byte) Math.max(block[p * n + j] & 0xFF, floor);
            }
        }
    }
}
