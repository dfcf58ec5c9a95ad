package io.tare.server.quantize;

import com.google.protobuf.ByteString;
import io.tare.proto.onnx.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes float initializers and builds the constant tensors a QDQ model needs (float scales,
 * 8-bit and packed 4-bit weights, int32 biases). Data is always written as little-endian
 * {@code raw_data}, which ONNX Runtime, TensorRT and Tare's reader all accept.
 */
final class TensorProtos {

    private TensorProtos() {
    }

    static boolean isFloat(TensorProto t) {
        return t.getDataType() == TensorProto.DataType.FLOAT_VALUE;
    }

    static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    static int elementCount(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    /** The values of a FLOAT tensor held in {@code raw_data} or {@code float_data}. */
    static float[] floats(TensorProto t) {
        if (!isFloat(t)) {
            throw new QuantizeException("tensor '" + t.getName() + "' is not FLOAT");
        }
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new QuantizeException("tensor '" + t.getName() + "' uses external data, which quantize does not read yet");
        }
        int n = elementCount(t);
        float[] out = new float[n];
        if (t.hasRawData()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (b.remaining() != 4L * n) {
                throw new QuantizeException("tensor '" + t.getName() + "' holds " + b.remaining() + " bytes for " + n + " floats");
            }
            b.asFloatBuffer().get(out);
        } else {
            if (t.getFloatDataCount() != n) {
                throw new QuantizeException("tensor '" + t.getName() + "' holds " + t.getFloatDataCount() + " floats for " + n);
            }
            for (int i = 0; i < n; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
    }

    static TensorProto floatTensor(String name, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return raw(name, TensorProto.DataType.FLOAT_VALUE, dims, b.array());
    }

    static TensorProto scalarFloat(String name, float v) {
        return floatTensor(name, new long[0], new float[] {v});
    }

    /** INT8 or UINT8 (by {@code dataType}) from one byte per value. */
    static TensorProto byteTensor(String name, int dataType, long[] dims, byte[] values) {
        return raw(name, dataType, dims, values);
    }

    static TensorProto scalarZeroPoint(String name, int dataType, int zeroPoint) {
        return raw(name, dataType, new long[0], new byte[] {(byte) zeroPoint});
    }

    static TensorProto int32Tensor(String name, long[] dims, int[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return raw(name, TensorProto.DataType.INT32_VALUE, dims, b.array());
    }

    /**
     * INT4, two values per byte, the first in the low nibble (ONNX's packing); {@code values}
     * holds one value in [-8, 7] per entry.
     */
    static TensorProto int4Tensor(String name, long[] dims, byte[] values) {
        byte[] packed = new byte[(values.length + 1) / 2];
        for (int i = 0; i < values.length; i++) {
            int nibble = values[i] & 0x0f;
            packed[i >> 1] |= (byte) ((i & 1) == 0 ? nibble : nibble << 4);
        }
        return raw(name, TensorProto.DataType.INT4_VALUE, dims, packed);
    }

    private static TensorProto raw(String name, int dataType, long[] dims, byte[] data) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(dataType)
                .setRawData(ByteString.copyFrom(data));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }
}
