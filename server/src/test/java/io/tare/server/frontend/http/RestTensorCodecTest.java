package io.tare.server.frontend.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.tare.client.data.Datatype;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Every datatype through the JSON codec and back, its range edges, and what JSON cannot carry. */
class RestTensorCodecTest {
    private static TensorData decode(String json, Datatype type, long... shape) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        try (JsonParser p = BoundedJson.open(bytes, 0, bytes.length)) {
            p.nextToken();
            return RestTensorCodec.fromJson(p, "t", type, shape, bytes.length);
        }
    }

    private static String encode(TensorData t) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            RestTensorCodec.toJson(g, t);
        }
        return out.toString();
    }

    private static byte[] bytes(TensorData t) {
        ByteBuffer d = t.data();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void everyJsonDatatypeRoundTripsAtItsRangeEdges() throws IOException {
        String[][] cases = {
                {"BOOL", "[true,false,true]"},
                {"INT8", "[-128,0,127]"},
                {"UINT8", "[0,1,255]"},
                {"INT16", "[-32768,0,32767]"},
                {"UINT16", "[0,1,65535]"},
                {"INT32", "[-2147483648,0,2147483647]"},
                {"UINT32", "[0,1,4294967295]"},
                {"INT64", "[-9223372036854775808,0,9223372036854775807]"},
                {"UINT64", "[0,9223372036854775808,18446744073709551615]"},
                {"FP32", "[-1.5,0.1,3.4028235E38]"},
                {"FP64", "[-1.5,0.1,1.7976931348623157E308]"},
                {"BYTES", "[\"\",\"héllo\",\"a\\\"b\"]"},
        };
        for (String[] c : cases) {
            Datatype type = Datatype.valueOf(c[0]);
            TensorData t = decode(c[1], type, 3);
            assertTrue(t.data().isDirect(), "tensors go to native backends in direct memory");
            assertEquals(c[1], encode(t), c[0]);
        }
    }

    @Test
    void bytesAreLittleEndianAndLengthPrefixed() throws IOException {
        assertArrayEquals(le(8).putInt(-2).putInt(7).array(), bytes(decode("[-2,7]", Datatype.INT32, 2)));
        assertArrayEquals(le(8).putFloat(0.1f).putFloat(-3f).array(), bytes(decode("[[0.1],[-3]]", Datatype.FP32, 2, 1)));
        assertArrayEquals(le(8).putLong(-1L).array(), bytes(decode("[18446744073709551615]", Datatype.UINT64, 1)));
        assertArrayEquals(le(7).putInt(3).put((byte) 'a').put((byte) 'b').put((byte) 'c').array(),
                bytes(decode("[\"abc\"]", Datatype.BYTES, 1)));
    }

    @Test
    void valuesOutsideTheTypesRangeAreRefused() {
        String[][] cases = {
                {"INT8", "[128]"}, {"INT8", "[-129]"}, {"UINT8", "[-1]"}, {"UINT16", "[65536]"},
                {"INT32", "[2147483648]"}, {"UINT32", "[4294967296]"},
                {"INT64", "[9223372036854775808]"}, {"UINT64", "[18446744073709551616]"}, {"UINT64", "[-1]"},
        };
        for (String[] c : cases) {
            TareException e = assertThrows(TareException.class, () -> decode(c[1], Datatype.valueOf(c[0]), 1), c[0] + c[1]);
            assertEquals(ErrorCode.INVALID_ARG, e.code());
            assertTrue(e.getMessage().contains("outside that type's range"), e.getMessage());
        }
    }

    @Test
    void elementsOfTheWrongKindAreRefused() {
        assertThrows(TareException.class, () -> decode("[1]", Datatype.BOOL, 1));
        assertThrows(TareException.class, () -> decode("[true]", Datatype.INT32, 1));
        assertThrows(TareException.class, () -> decode("[1.0]", Datatype.INT64, 1));
        assertThrows(TareException.class, () -> decode("[null]", Datatype.FP32, 1));
        assertThrows(TareException.class, () -> decode("[{}]", Datatype.FP32, 1));
        assertThrows(TareException.class, () -> decode("[1]", Datatype.BYTES, 1));
        TareException notArray = assertThrows(TareException.class, () -> decode("1.0", Datatype.FP32, 1));
        assertTrue(notArray.getMessage().contains("must be an array"), notArray.getMessage());
    }

    @Test
    void halfPrecisionHasNoJsonForm() {
        TareException in = assertThrows(TareException.class, () -> decode("[1.0]", Datatype.FP16, 1));
        assertTrue(in.getMessage().contains("binary tensor extension"), in.getMessage());
        TensorData bf16 = new TensorData("out", Datatype.BF16, new long[] {1}, ByteBuffer.allocate(2));
        TareException out = assertThrows(TareException.class, () -> encode(bf16));
        assertTrue(out.getMessage().contains("\"binary_data\": true"), out.getMessage());
    }

    @Test
    void binaryTensorsAreViewsOfOneDirectCopyOfTheSection() {
        byte[] body = "{}ABCDEFGH".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer section = RestTensorCodec.binarySection(body, 2);
        TensorData first = RestTensorCodec.fromBinary("a", Datatype.UINT8, new long[] {3}, section, 0, 3);
        TensorData second = RestTensorCodec.fromBinary("b", Datatype.UINT8, new long[] {5}, section, 3, 5);
        assertTrue(section.isDirect());
        assertArrayEquals("ABC".getBytes(StandardCharsets.US_ASCII), bytes(first));
        assertArrayEquals("DEFGH".getBytes(StandardCharsets.US_ASCII), bytes(second));
    }
}
