package io.tare.client.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import io.tare.client.data.Datatype;
import io.tare.client.data.Shapes;
import io.tare.client.data.TensorData;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of KServe v2 tensors: a flat (or nested, on input) row-major {@code data} array of numbers,
 * booleans for BOOL, strings for BYTES. BF16 has no JSON form here (its readers expect binary).
 */
public final class JsonTensors {
    private JsonTensors() {
    }

    /**
     * The elements of {@code tensor} as a flat JSON array.
     *
     * @throws IllegalArgumentException for BF16, or a NaN/infinite float (JSON has no spelling for them)
     */
    public static JsonArray toJson(TensorData tensor) {
        JsonArray data = new JsonArray();
        long count = tensor.datatype() == Datatype.BYTES ? -1 : tensor.elementCount();
        switch (tensor.datatype()) {
            case BYTES -> {
                ByteBuffer raw = tensor.data();
                while (raw.remaining() >= 4) {
                    byte[] element = new byte[raw.getInt()];
                    raw.get(element);
                    data.add(new String(element, StandardCharsets.UTF_8));
                }
            }
            case BOOL -> {
                for (long i = 0; i < count; i++) {
                    data.add(tensor.doubleAt(i) != 0);
                }
            }
            case FP32, FP16 -> {
                for (long i = 0; i < count; i++) {
                    data.add(finite((float) tensor.doubleAt(i)));
                }
            }
            case FP64 -> {
                for (long i = 0; i < count; i++) {
                    double v = tensor.doubleAt(i);
                    if (!Double.isFinite(v)) {
                        throw new IllegalArgumentException("JSON cannot carry " + v + "; use binary tensors");
                    }
                    data.add(v);
                }
            }
            case INT64, UINT64 -> {
                ByteBuffer raw = tensor.data();
                for (long i = 0; i < count; i++) {
                    long v = raw.getLong();
                    // Unsigned values above 2^63 keep their exact decimal spelling.
                    data.add(tensor.datatype() == Datatype.UINT64 && v < 0
                            ? new JsonPrimitive(new java.math.BigInteger(Long.toUnsignedString(v)))
                            : new JsonPrimitive(v));
                }
            }
            case BF16 -> throw new IllegalArgumentException("BF16 tensors have no JSON form; use binary tensors");
            default -> {
                for (long i = 0; i < count; i++) {
                    data.add((long) tensor.doubleAt(i));
                }
            }
        }
        return data;
    }

    private static Float finite(float v) {
        if (!Float.isFinite(v)) {
            throw new IllegalArgumentException("JSON cannot carry " + v + "; use binary tensors");
        }
        return v;
    }

    /**
     * Reads a {@code data} array (nested arrays are flattened row-major) as a tensor.
     *
     * @throws IllegalArgumentException when an element does not fit the datatype or the count the shape
     */
    public static TensorData fromJson(Datatype datatype, long[] shape, JsonElement data) {
        List<JsonElement> flat = new ArrayList<>();
        flatten(data, flat);
        if (datatype == Datatype.BYTES) {
            return bytesFromJson(shape, flat);
        }
        if (datatype == Datatype.BF16) {
            throw new IllegalArgumentException("BF16 tensors have no JSON form");
        }
        long expected = Shapes.elementCount(shape);
        if (flat.size() != expected) {
            throw new IllegalArgumentException("shape " + Shapes.format(shape) + " needs " + expected
                    + " elements, the data array has " + flat.size());
        }
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(flat.size(), datatype.byteSize()))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (JsonElement element : flat) {
            JsonPrimitive value = element.getAsJsonPrimitive();
            switch (datatype) {
                case BOOL -> out.put((byte) (value.isBoolean() ? (value.getAsBoolean() ? 1 : 0) : value.getAsInt()));
                case INT8, UINT8 -> out.put((byte) value.getAsInt());
                case INT16, UINT16 -> out.putShort((short) value.getAsInt());
                case INT32 -> out.putInt(value.getAsInt());
                case UINT32 -> out.putInt((int) value.getAsLong());
                case INT64 -> out.putLong(value.getAsLong());
                case UINT64 -> out.putLong(value.getAsBigInteger().longValue());
                case FP16 -> out.putShort(Float.floatToFloat16(value.getAsFloat()));
                case FP32 -> out.putFloat(value.getAsFloat());
                case FP64 -> out.putDouble(value.getAsDouble());
                default -> throw new IllegalStateException("unreachable: " + datatype);
            }
        }
        return TensorData.of(datatype, shape, out.array());
    }

    private static TensorData bytesFromJson(long[] shape, List<JsonElement> flat) {
        List<byte[]> elements = new ArrayList<>();
        int size = 0;
        for (JsonElement element : flat) {
            byte[] bytes = element.getAsString().getBytes(StandardCharsets.UTF_8);
            elements.add(bytes);
            size += 4 + bytes.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] bytes : elements) {
            out.putInt(bytes.length).put(bytes);
        }
        return TensorData.of(Datatype.BYTES, shape, out.array());
    }

    private static void flatten(JsonElement element, List<JsonElement> into) {
        if (element.isJsonArray()) {
            for (JsonElement child : element.getAsJsonArray()) {
                flatten(child, into);
            }
        } else {
            into.add(element);
        }
    }
}
