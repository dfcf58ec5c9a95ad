package io.tare.server.engine.quant;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * All activation quantization parameters of one model, immutable and versioned. A run reads one
 * table from start to end; a refresh builds a new table with a higher version and swaps the
 * reference, so no run ever sees half of two tables.
 *
 * @param version increases with every refresh
 * @param entries per activation (graph value name): the float range it is quantized over
 */
public record ScaleTable(long version, Map<String, Range> entries) {

    /** An activation's quantization: {@code q = saturate(rint(x / scale) + zeroPoint)} as UINT8. */
    public record Range(float scale, int zeroPoint) {
        public Range {
            if (!(scale > 0) || zeroPoint < 0 || zeroPoint > 255) {
                throw new IllegalArgumentException("invalid uint8 scale " + scale + " / zero point " + zeroPoint);
            }
        }

        /** The asymmetric UINT8 range covering [min, max] (always including 0, as ONNX requires). */
        public static Range ofMinMax(float min, float max) {
            float lo = Math.min(min, 0f);
            float hi = Math.max(max, 0f);
            float scale = (hi - lo) / 255f;
            if (scale == 0f) {
                return new Range(1f, 0);
            }
            int zp = (int) Math.rint(Math.clamp(-lo / scale, 0f, 255f));
            return new Range(scale, zp);
        }
    }

    public ScaleTable {
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** The range of {@code tensor}, or {@code null} when the table has none. */
    public Range get(String tensor) {
        return entries.get(tensor);
    }

    /** A new table, one version higher, with {@code updates} replacing or adding entries. */
    public ScaleTable withUpdates(Map<String, Range> updates) {
        Map<String, Range> copy = new LinkedHashMap<>(entries);
        copy.putAll(updates);
        return new ScaleTable(version + 1, copy);
    }
}
