package io.tare.server.backend.tare;

import io.tare.server.core.TareException;
import io.tare.server.engine.WeightBits;
import java.util.Locale;
import java.util.Map;

/**
 * The tare backend's config.pbtxt {@code parameters}:
 * <ul>
 *   <li>{@code mode}: {@code fp32} (as the file says: float layers in FP32, a pre-quantized file's
 *       layers in INT8), {@code dynamic} (per-request activation scales) or {@code static} (scales
 *       from a table: a pre-quantized file's own, or one calibration produces). Default
 *       {@value #DEFAULT_MODE}.</li>
 *   <li>{@code per_row_activations}: {@code true} for one dynamic activation scale per row.</li>
 *   <li>{@code weight_bits}: {@code 8}, {@code 7} or {@code auto} (default): the bits the server
 *       quantizes float weights to (dynamic mode, and the static model a float file is promoted to).
 *       7 bits ({@code max|w| / 63}, ONNX Runtime's {@code reduce_range}) select the native tier's
 *       faster exact kernel on CPUs without VNNI, and {@code auto} picks them there, 8 elsewhere
 *       ({@link WeightBits}). A pre-quantized file's weights are used as they are.</li>
 * </ul>
 * Calibration parameters ({@code calibration_*}) are read by the calibration package.
 *
 * @param mode              requested execution mode
 * @param perRowActivations dynamic scales per row instead of per tensor
 * @param weightBits        8 or 7 (auto already resolved)
 */
public record TareModelParameters(Mode mode, boolean perRowActivations, int weightBits) {
    public static final String DEFAULT_MODE = "fp32";
    public static final String DEFAULT_WEIGHT_BITS = WeightBits.AUTO;

    /** The {@code mode} parameter's values. */
    public enum Mode { FP32, DYNAMIC, STATIC }

    /** @throws TareException INVALID_ARG for an unknown value, naming the parameter */
    public static TareModelParameters from(Map<String, String> parameters) {
        String mode = parameters.getOrDefault("mode", DEFAULT_MODE).trim().toLowerCase(Locale.ROOT);
        Mode m = switch (mode) {
            case "fp32" -> Mode.FP32;
            case "dynamic" -> Mode.DYNAMIC;
            case "static" -> Mode.STATIC;
            default -> throw TareException.invalid("parameter 'mode' must be fp32, dynamic or static, got '" + mode + "'");
        };
        String perRow = parameters.getOrDefault("per_row_activations", "false").trim().toLowerCase(Locale.ROOT);
        if (!perRow.equals("true") && !perRow.equals("false")) {
            throw TareException.invalid("parameter 'per_row_activations' must be true or false, got '" + perRow + "'");
        }
        String bits = parameters.getOrDefault("weight_bits", DEFAULT_WEIGHT_BITS);
        int weightBits;
        try {
            weightBits = WeightBits.parse(bits);
        } catch (IllegalArgumentException e) {
            throw TareException.invalid("parameter 'weight_bits' must be " + WeightBits.ALLOWED + ", got '" + bits.trim() + "'");
        }
        return new TareModelParameters(m, perRow.equals("true"), weightBits);
    }
}
