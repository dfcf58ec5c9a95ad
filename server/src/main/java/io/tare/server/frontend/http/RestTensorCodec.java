package io.tare.server.frontend.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import io.tare.client.data.Datatype;
import io.tare.client.data.Shapes;
import io.tare.server.core.RequestValidator;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP/REST tensor codec: the one place where KServe v2 JSON {@code data} arrays and Triton's
 * binary tensor extension become {@link TensorData} and back.
 *
 * <p>JSON elements are read token by token straight into a little-endian buffer and written
 * straight from it, with no boxed intermediate list; binary tensors are views of one copy of the
 * body's binary section. Decoded tensors live in direct buffers: backends hand them to native
 * code, and ONNX Runtime wraps a direct buffer without copying (its Java API also refuses heap
 * ByteBuffers of non-byte element types). FP16 and BF16 have no JSON form (as in Triton): they
 * travel only as binary.
 *
 * <p>Stateless and thread-safe.
 */
final class RestTensorCodec {
    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    private RestTensorCodec() {
    }

    /**
     * Reads a JSON {@code data} value, flat or nested arrays, into a tensor.
     *
     * @param p          positioned on the value's first token
     * @param bodyLength size of the whole JSON text: a shape claiming more elements than it could
     *                   hold is refused before anything is allocated for it
     * @throws TareException INVALID_ARG for a bad shape, an element of the wrong kind or out of the
     *                       type's range, or an element count that differs from the shape's
     */
    static TensorData fromJson(JsonParser p, String name, Datatype type, long[] shape, int bodyLength)
            throws IOException {
        if (type == Datatype.FP16 || type == Datatype.BF16) {
            throw TareException.invalid("input '" + name + "' has datatype " + type + ", which JSON cannot carry; "
                    + "send it with the binary tensor extension (parameters.binary_data_size)");
        }
        long count = RequestValidator.elementCount(shape);
        // Each JSON element takes at least one byte, so a larger count can only be a lie and must
        // not make us allocate gigabytes for a tiny request.
        if (count > bodyLength) {
            throw TareException.invalid("input '" + name + "' has shape " + Shapes.format(shape) + " (" + count
                    + " elements), more than a JSON body of " + bodyLength + " bytes can hold");
        }
        BoundedJson.require(p, JsonToken.START_ARRAY, "'data' of input '" + name + "'");
        ElementSink sink = type == Datatype.BYTES ? new BytesSink() : new FixedSink(RequestValidator.byteSize(type, shape));
        long seen = 0;
        int depth = 1;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_ARRAY) {
                depth--;
            } else if (t == null) {
                throw TareException.invalid("'data' of input '" + name + "' ends before its array closes");
            } else {
                // Beyond the shape's count we only keep counting, so the error can say how many came.
                if (seen < count) {
                    sink.put(p, t, type, name);
                }
                seen++;
            }
        }
        if (seen != count) {
            throw TareException.invalid("input '" + name + "' has " + seen + " data elements but its shape "
                    + Shapes.format(shape) + " holds " + count);
        }
        return new TensorData(name, type, shape, sink.finish());
    }

    /**
     * The binary section of a body (everything after the JSON header), copied once into direct
     * memory; {@link #fromBinary} cuts the tensors out of it.
     */
    static ByteBuffer binarySection(byte[] body, int headerLength) {
        return ByteBuffer.allocateDirect(body.length - headerLength).put(body, headerLength, body.length - headerLength)
                .flip();
    }

    /**
     * A tensor whose bytes are {@code section[offset, offset + length)} (a view, no copy; the
     * section must not change afterwards). Sizes are checked by the caller, which knows the
     * declared size.
     */
    static TensorData fromBinary(String name, Datatype type, long[] shape, ByteBuffer section, int offset, int length) {
        return new TensorData(name, type, shape, section.slice(offset, length));
    }

    /**
     * Writes a tensor's elements as one flat JSON array.
     *
     * @throws TareException INVALID_ARG for FP16/BF16, which must be requested as binary
     */
    static void toJson(JsonGenerator g, TensorData t) throws IOException {
        ByteBuffer d = t.data();
        Datatype type = t.datatype();
        if (type == Datatype.FP16 || type == Datatype.BF16) {
            throw TareException.invalid("output '" + t.name() + "' has datatype " + type + ", which JSON cannot carry; "
                    + "request it with \"parameters\": {\"binary_data\": true}");
        }
        g.writeStartArray();
        switch (type) {
            case BOOL -> { while (d.hasRemaining()) g.writeBoolean(d.get() != 0); }
            case INT8 -> { while (d.hasRemaining()) g.writeNumber(d.get()); }
            case UINT8 -> { while (d.hasRemaining()) g.writeNumber(d.get() & 0xFF); }
            case INT16 -> { while (d.hasRemaining()) g.writeNumber(d.getShort()); }
            case UINT16 -> { while (d.hasRemaining()) g.writeNumber(d.getShort() & 0xFFFF); }
            case INT32 -> { while (d.hasRemaining()) g.writeNumber(d.getInt()); }
            case UINT32 -> { while (d.hasRemaining()) g.writeNumber(Integer.toUnsignedLong(d.getInt())); }
            case INT64 -> { while (d.hasRemaining()) g.writeNumber(d.getLong()); }
            case UINT64 -> { while (d.hasRemaining()) g.writeNumber(Long.toUnsignedString(d.getLong())); }
            case FP32 -> { while (d.hasRemaining()) g.writeNumber(d.getFloat()); }
            case FP64 -> { while (d.hasRemaining()) g.writeNumber(d.getDouble()); }
            case BYTES -> writeBytesElements(g, t.name(), d);
            case FP16, BF16 -> throw new AssertionError("refused above");
        }
        g.writeEndArray();
    }

    private static void writeBytesElements(JsonGenerator g, String name, ByteBuffer d) throws IOException {
        while (d.hasRemaining()) {
            if (d.remaining() < 4) {
                throw new IllegalStateException("BYTES output '" + name + "' ends inside a length prefix");
            }
            int len = d.getInt();
            if (len < 0 || len > d.remaining()) {
                throw new IllegalStateException("BYTES output '" + name + "' has a truncated element");
            }
            byte[] element = new byte[len];
            d.get(element);
            // Triton sends BYTES as JSON strings; bytes that are not UTF-8 become U+FFFD.
            g.writeString(new String(element, StandardCharsets.UTF_8));
        }
    }

    /** Where decoded elements go; one per tensor, so the datatype switch stays out of the buffer. */
    private interface ElementSink {
        void put(JsonParser p, JsonToken t, Datatype type, String name) throws IOException;

        ByteBuffer finish();
    }

    /** Fixed-size elements written in place into a buffer sized from the shape. */
    private static final class FixedSink implements ElementSink {
        private final ByteBuffer out;

        FixedSink(int bytes) {
            out = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public void put(JsonParser p, JsonToken t, Datatype type, String name) throws IOException {
            switch (type) {
                case BOOL -> {
                    if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                        throw badElement(name, type, p, t, "true or false");
                    }
                    out.put((byte) (t == JsonToken.VALUE_TRUE ? 1 : 0));
                }
                case INT8 -> out.put((byte) integer(p, t, type, name, Byte.MIN_VALUE, Byte.MAX_VALUE));
                case UINT8 -> out.put((byte) integer(p, t, type, name, 0, 0xFF));
                case INT16 -> out.putShort((short) integer(p, t, type, name, Short.MIN_VALUE, Short.MAX_VALUE));
                case UINT16 -> out.putShort((short) integer(p, t, type, name, 0, 0xFFFF));
                case INT32 -> out.putInt((int) integer(p, t, type, name, Integer.MIN_VALUE, Integer.MAX_VALUE));
                case UINT32 -> out.putInt((int) integer(p, t, type, name, 0, 0xFFFF_FFFFL));
                case INT64 -> out.putLong(integer(p, t, type, name, Long.MIN_VALUE, Long.MAX_VALUE));
                case UINT64 -> out.putLong(unsigned64(p, t, name));
                case FP32 -> {
                    requireNumber(p, t, type, name);
                    out.putFloat(p.getFloatValue());
                }
                case FP64 -> {
                    requireNumber(p, t, type, name);
                    out.putDouble(p.getDoubleValue());
                }
                case FP16, BF16, BYTES -> throw new AssertionError(type + " has no fixed-size JSON form");
            }
        }

        @Override
        public ByteBuffer finish() {
            return out.flip();
        }
    }

    /** BYTES elements: JSON strings, stored UTF-8 with Triton's 4-byte little-endian length prefix. */
    private static final class BytesSink implements ElementSink {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final byte[] prefix = new byte[4];

        @Override
        public void put(JsonParser p, JsonToken t, Datatype type, String name) throws IOException {
            if (t != JsonToken.VALUE_STRING) {
                throw badElement(name, type, p, t, "a string");
            }
            byte[] utf8 = p.getText().getBytes(StandardCharsets.UTF_8);
            ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length);
            out.write(prefix);
            out.write(utf8);
        }

        @Override
        public ByteBuffer finish() {
            byte[] bytes = out.toByteArray();
            return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        }
    }

    private static long integer(JsonParser p, JsonToken t, Datatype type, String name, long min, long max)
            throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw badElement(name, type, p, t, "an integer");
        }
        long v;
        try {
            v = p.getLongValue();
        } catch (InputCoercionException e) {
            throw outOfRange(name, type, p);
        }
        if (v < min || v > max) {
            throw outOfRange(name, type, p);
        }
        return v;
    }

    private static long unsigned64(JsonParser p, JsonToken t, String name) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw badElement(name, Datatype.UINT64, p, t, "an integer");
        }
        BigInteger v = p.getBigIntegerValue();
        if (v.signum() < 0 || v.compareTo(TWO_TO_64) >= 0) {
            throw outOfRange(name, Datatype.UINT64, p);
        }
        return v.longValue();
    }

    private static void requireNumber(JsonParser p, JsonToken t, Datatype type, String name) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw badElement(name, type, p, t, "a number");
        }
    }

    private static TareException badElement(String name, Datatype type, JsonParser p, JsonToken t, String wanted)
            throws IOException {
        String found = BoundedJson.describe(t);
        if (t == JsonToken.VALUE_STRING) {
            found += " \"" + shorten(p.getText()) + "\"";
        } else if (t.isScalarValue()) {
            found += " " + shorten(p.getText());
        }
        return TareException.invalid("input '" + name + "' has datatype " + type + " but its data holds " + found
                + " where " + wanted + " belongs");
    }

    private static TareException outOfRange(String name, Datatype type, JsonParser p) throws IOException {
        return TareException.invalid("input '" + name + "' has datatype " + type + " but its data holds "
                + shorten(p.getText()) + ", outside that type's range");
    }

    private static String shorten(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
