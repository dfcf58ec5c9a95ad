package io.tare.server.engine;

import io.tare.kernels.KernelProvider;
import io.tare.kernels.Kernels;
import java.util.Locale;

/**
 * The bits Tare quantizes float weights to (DYNAMIC mode, and the STATIC model a float file is
 * promoted to): 8 ({@code max|w| / 127}) or 7 ({@code max|w| / 63}, ONNX Runtime's
 * {@code reduce_range}). The one place that checks and parses that setting.
 *
 * <p>{@value #AUTO} picks 7 where the selected kernel tier runs 7-bit weights on a faster exact
 * kernel ({@link Kernels#favoursSevenBitWeights()}: AVX2 without VNNI, where ONNX Runtime's own
 * documentation recommends {@code reduce_range} for the same reason) and 8 everywhere else.
 */
public final class WeightBits {
    public static final String AUTO = "auto";
    public static final String ALLOWED = "8, 7 or " + AUTO;

    private WeightBits() {
    }

    /** @throws IllegalArgumentException unless {@code bits} is 8 or 7 */
    public static int check(int bits) {
        if (bits != 8 && bits != 7) {
            throw new IllegalArgumentException("weight bits must be 8 or 7, got " + bits);
        }
        return bits;
    }

    /**
     * {@code "8"}, {@code "7"} or {@value #AUTO} (resolved for this machine).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static int parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "8" -> 8;
            case "7" -> 7;
            case AUTO -> automatic(KernelProvider.get());
            default -> throw new IllegalArgumentException("weight bits must be " + ALLOWED + ", got '" + value + "'");
        };
    }

    /**
     * {@code "8"} or {@code "7"} only: for what is written for any machine (a quantized file), where
     * {@value #AUTO} would tie it to this one.
     *
     * @throws IllegalArgumentException for anything else, {@value #AUTO} included
     */
    public static int parseFixed(String value) {
        return switch (value.trim()) {
            case "8" -> 8;
            case "7" -> 7;
            default -> throw new IllegalArgumentException("weight bits must be 8 or 7 (a quantized file is written for"
                    + " any machine, so there is no " + AUTO + "), got '" + value + "'");
        };
    }

    /** What {@value #AUTO} means with {@code kernels}. */
    public static int automatic(Kernels kernels) {
        return kernels.favoursSevenBitWeights() ? 7 : 8;
    }

    /** One line for logs and reports: the bits {@value #AUTO} picks here and why. */
    public static String describeAutomatic() {
        Kernels k = KernelProvider.get();
        return automatic(k) == 7
                ? "7 (" + k.description() + ": exact VPMADDUBSW kernel for weights in [-64, 63], no VNNI)"
                : "8 (" + k.description() + ")";
    }
}
