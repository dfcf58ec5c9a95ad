package io.tare.kernels.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoded ONNX TensorProto (fields dims=1, data_type=2, float_data=4, int32_data=5,
 * int64_data=7, name=8, raw_data=9). Values are kept as raw little-endian bytes in the tensor's
 * own element type (4-bit types stay packed). Test code only.
 */
final class OnnxTensor {
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7, FLOAT16 = 10, UINT4 = 21, INT4 = 22;

    final String name;
    final long[] dims;
    final int dataType;
    final byte[] raw;

    private OnnxTensor(String name, long[] dims, int dataType, byte[] raw) {
        this.name = name;
        this.dims = dims;
        this.dataType = dataType;
        this.raw = raw;
    }

    static OnnxTensor parse(byte[] bytes) {
        return parse(new WireReader(bytes));
    }

    static OnnxTensor parse(WireReader r) {
        List<Long> dims = new ArrayList<>();
        List<Integer> f32 = new ArrayList<>();
        List<Long> i32 = new ArrayList<>();
        List<Long> i64 = new ArrayList<>();
        int type = 0;
        String name = "";
        byte[] raw = null;
        while (r.hasMore()) {
            switch (r.nextTag()) {
                case 1 -> r.varints(dims);
                case 2 -> type = (int) r.varint();
                case 4 -> r.fixed32s(f32);
                case 5 -> r.varints(i32);
                case 7 -> r.varints(i64);
                case 8 -> name = r.string();
                case 9 -> raw = r.bytes();
                default -> r.skip();
            }
        }
        long count = 1;
        long[] d = new long[dims.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims.get(i);
            count *= d[i];
        }
        if (raw == null) {
            raw = fromTypedFields(type, (int) count, f32, i32, i64);
        }
        return new OnnxTensor(name, d, type, raw);
    }

    /** int32_data carries every small integer type (one value per entry; 4-bit types two per entry? no: packed bytes). */
    private static byte[] fromTypedFields(int type, int count, List<Integer> f32, List<Long> i32, List<Long> i64) {
        ByteBuffer bb;
        switch (type) {
            case FLOAT -> {
                bb = ByteBuffer.allocate(4 * f32.size()).order(ByteOrder.LITTLE_ENDIAN);
                f32.forEach(bb::putInt);
            }
            case INT64 -> {
                bb = ByteBuffer.allocate(8 * i64.size()).order(ByteOrder.LITTLE_ENDIAN);
                i64.forEach(bb::putLong);
            }
            case INT32 -> {
                bb = ByteBuffer.allocate(4 * i32.size()).order(ByteOrder.LITTLE_ENDIAN);
                i32.forEach(v -> bb.putInt(v.intValue()));
            }
            case UINT8, INT8 -> {
                bb = ByteBuffer.allocate(i32.size());
                i32.forEach(v -> bb.put(v.byteValue()));
            }
            case FLOAT16 -> {
                bb = ByteBuffer.allocate(2 * i32.size()).order(ByteOrder.LITTLE_ENDIAN);
                i32.forEach(v -> bb.putShort(v.shortValue()));
            }
            case UINT4, INT4 -> {
                bb = ByteBuffer.allocate(i32.size());
                i32.forEach(v -> bb.put(v.byteValue()));
            }
            default -> throw new IllegalArgumentException("unsupported tensor data type " + type);
        }
        return bb.array();
    }

    long count() {
        long c = 1;
        for (long d : dims) {
            c *= d;
        }
        return c;
    }

    int dim(int i) {
        return (int) dims[i];
    }

    float[] floats() {
        int n = (int) count();
        float[] out = new float[n];
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            out[i] = switch (dataType) {
                case FLOAT -> bb.getFloat(4 * i);
                case FLOAT16 -> Float.float16ToFloat(bb.getShort(2 * i));
                default -> throw new IllegalStateException("not a float tensor: " + dataType);
            };
        }
        return out;
    }

    int[] ints() {
        int n = (int) count();
        int[] out = new int[n];
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            out[i] = switch (dataType) {
                case UINT8 -> raw[i] & 0xFF;
                case INT8 -> raw[i];
                case INT32 -> bb.getInt(4 * i);
                case INT64 -> (int) bb.getLong(8 * i);
                case UINT4 -> (raw[i >> 1] >> ((i & 1) * 4)) & 0xF;
                case INT4 -> ((raw[i >> 1] >> ((i & 1) * 4)) << 28) >> 28;
                default -> throw new IllegalStateException("not an integer tensor: " + dataType);
            };
        }
        return out;
    }

    /** Storage bytes (8-bit values one per byte, 4-bit packed). */
    byte[] bytes() {
        return raw;
    }
}
