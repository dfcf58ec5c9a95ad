package io.tare.server.engine.graph;

import io.tare.server.engine.Tensor;
import io.tare.server.engine.UnsupportedModelException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The attributes of one node, by name, already decoded from ONNX. Values are {@code Long},
 * {@code Float}, {@code String}, {@link Tensor}, {@code long[]}, {@code float[]} or
 * {@code String[]}; graph-valued attributes are not supported by the engine and never appear here.
 * Immutable after construction.
 */
public final class Attributes {
    private final Map<String, Object> values;

    public Attributes(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static Attributes empty() {
        return new Attributes(Map.of());
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public Map<String, Object> asMap() {
        return values;
    }

    /** A copy of these attributes with {@code name} set to {@code value}. */
    public Attributes with(String name, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.put(name, value);
        return new Attributes(copy);
    }

    public long getInt(String name, long fallback) {
        Object v = values.get(name);
        return v == null ? fallback : ((Number) expect(name, v, Long.class)).longValue();
    }

    public float getFloat(String name, float fallback) {
        Object v = values.get(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Long l) { // some exporters write integral floats as INT
            return l;
        }
        return expect(name, v, Float.class);
    }

    public String getString(String name, String fallback) {
        Object v = values.get(name);
        return v == null ? fallback : expect(name, v, String.class);
    }

    /** The INTS attribute, or {@code fallback} (may be null) when absent. */
    public long[] getInts(String name, long[] fallback) {
        Object v = values.get(name);
        return v == null ? fallback : expect(name, v, long[].class);
    }

    public float[] getFloats(String name, float[] fallback) {
        Object v = values.get(name);
        return v == null ? fallback : expect(name, v, float[].class);
    }

    public Tensor getTensor(String name) {
        Object v = values.get(name);
        return v == null ? null : expect(name, v, Tensor.class);
    }

    private static <T> T expect(String name, Object v, Class<T> type) {
        if (!type.isInstance(v)) {
            throw new UnsupportedModelException("attribute '" + name + "' holds "
                    + v.getClass().getSimpleName() + ", expected " + type.getSimpleName());
        }
        return type.cast(v);
    }

    @Override
    public String toString() {
        return values.keySet().toString();
    }
}
