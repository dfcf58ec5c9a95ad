package io.tare.server.quantize;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The text calibration cache of TensorRT's {@code IInt8EntropyCalibrator2}, which TensorRT reads
 * instead of calibrating again: a header line naming the version and algorithm, then one line per
 * tensor, {@code name: hex}, where {@code hex} is the 8 lowercase hex digits of the IEEE-754 bits of
 * the tensor's float32 scale ({@code amax / 127}, symmetric int8: TensorRT has no zero points).
 * <pre>
 * TRT-8601-EntropyCalibration2
 * input: 3c8ed3a5
 * /conv/Conv_output_0: 3d2bd9e5
 * </pre>
 */
public final class TensorRtCalibrationCache {

    /** The header TensorRT 8.6.1 writes for this calibrator. */
    public static final String DEFAULT_HEADER = "TRT-8601-EntropyCalibration2";

    private TensorRtCalibrationCache() {
    }

    /** The cache text, tensors in the map's order. */
    public static String format(String header, Map<String, Float> scales) {
        StringBuilder sb = new StringBuilder(header).append('\n');
        for (Map.Entry<String, Float> e : scales.entrySet()) {
            String name = e.getKey();
            if (name.contains("\n")) {
                throw new QuantizeException("tensor name with a line break cannot go into a TensorRT cache: " + name);
            }
            float s = e.getValue();
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new QuantizeException("TensorRT scale of '" + name + "' must be positive and finite: " + s);
            }
            sb.append(name).append(": ").append(String.format("%08x", Float.floatToRawIntBits(s))).append('\n');
        }
        return sb.toString();
    }

    /** A parsed cache. */
    public record Parsed(String header, Map<String, Float> scales) {
    }

    /**
     * Parses cache text. A tensor name may itself contain {@code ": "}; the scale is what follows the
     * last one.
     *
     * @throws QuantizeException when a line is not {@code name: 8 hex digits} or the header is missing
     */
    public static Parsed parse(String text) {
        String[] lines = text.split("\n", -1);
        if (lines.length == 0 || !lines[0].startsWith("TRT-")) {
            throw new QuantizeException("not a TensorRT calibration cache: first line is '" + (lines.length == 0 ? "" : lines[0]) + "'");
        }
        Map<String, Float> scales = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && i == lines.length - 1) {
                break;
            }
            int sep = line.lastIndexOf(": ");
            String hex = sep < 0 ? "" : line.substring(sep + 2);
            if (sep <= 0 || !hex.matches("[0-9a-fA-F]{8}")) {
                throw new QuantizeException("TensorRT cache line " + (i + 1) + " is not 'name: <8 hex digits>': " + line);
            }
            scales.put(line.substring(0, sep), Float.intBitsToFloat(Integer.parseUnsignedInt(hex, 16)));
        }
        return new Parsed(lines[0], scales);
    }
}
