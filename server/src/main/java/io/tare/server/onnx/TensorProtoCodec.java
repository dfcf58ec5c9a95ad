package io.tare.server.onnx;

import com.google.protobuf.ByteString;
import io.tare.proto.onnx.StringStringEntryProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.server.engine.DataType;
import io.tare.server.engine.InvalidModelException;
import io.tare.server.engine.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The one place where ONNX {@link TensorProto}s become engine {@link Tensor}s and back.
 *
 * <p>Reading accepts every storage ONNX allows: {@code raw_data} (little-endian), the typed
 * repeated fields, and external data files. External locations are resolved against the model's
 * folder and may not leave it (a model file must not make the server read arbitrary files).
 * Writing always uses {@code raw_data}. Stateless and thread-safe.
 */
public final class TensorProtoCodec {
    private final Path baseDir;

    /**
     * @param baseDir folder that external data locations are relative to, or {@code null} when the
     *     tensors come from memory (external data is then an error)
     */
    public TensorProtoCodec(Path baseDir) {
        this.baseDir = baseDir == null ? null : baseDir.toAbsolutePath().normalize();
    }

    /** Decodes a tensor. @throws InvalidModelException when its data is missing or inconsistent */
    public Tensor decode(TensorProto proto) {
        DataType type = DataType.fromOnnx(proto.getDataType());
        int[] shape = new int[proto.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            long d = proto.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new InvalidModelException("tensor '" + proto.getName() + "' has dimension " + d);
            }
            shape[i] = (int) d;
        }
        int n = Tensor.sizeOf(shape);
        if (proto.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return fromRaw(proto.getName(), type, shape, readExternal(proto, (long) n * type.byteSize()));
        }
        if (proto.hasRawData()) {
            return fromRaw(proto.getName(), type, shape, proto.getRawData().asReadOnlyByteBuffer());
        }
        Tensor t = Tensor.allocate(type, shape);
        int available = switch (type) {
            case FLOAT -> proto.getFloatDataCount();
            case DOUBLE -> proto.getDoubleDataCount();
            case INT64 -> proto.getInt64DataCount();
            case UINT32, UINT64 -> proto.getUint64DataCount();
            default -> proto.getInt32DataCount();
        };
        if (available != n) {
            throw new InvalidModelException("tensor '" + proto.getName() + "' of shape "
                    + Arrays.toString(shape) + " holds " + available + " values, expected " + n);
        }
        for (int i = 0; i < n; i++) {
            switch (type) {
                case FLOAT -> t.floats()[i] = proto.getFloatData(i);
                case DOUBLE -> ((double[]) t.data())[i] = proto.getDoubleData(i);
                case INT64 -> t.longs()[i] = proto.getInt64Data(i);
                case UINT32, UINT64 -> t.setLong(i, proto.getUint64Data(i));
                // FLOAT16 travels as its 16-bit pattern in int32_data
                default -> t.setLong(i, proto.getInt32Data(i));
            }
        }
        return t;
    }

    private static Tensor fromRaw(String name, DataType type, int[] shape, ByteBuffer raw) {
        ByteBuffer bb = raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = Tensor.sizeOf(shape);
        if (bb.remaining() != (long) n * type.byteSize()) {
            throw new InvalidModelException("tensor '" + name + "' of type " + type + " and shape "
                    + Arrays.toString(shape) + " has " + bb.remaining() + " bytes of data, expected "
                    + (long) n * type.byteSize());
        }
        Object data = Tensor.newArray(type, n);
        switch (type) {
            case FLOAT -> bb.asFloatBuffer().get((float[]) data);
            case DOUBLE -> bb.asDoubleBuffer().get((double[]) data);
            case INT8, UINT8 -> bb.get((byte[]) data);
            case BOOL -> {
                byte[] b = (byte[]) data;
                bb.get(b);
                for (int i = 0; i < n; i++) {
                    b[i] = (byte) (b[i] != 0 ? 1 : 0);
                }
            }
            case INT16, UINT16, FLOAT16 -> bb.asShortBuffer().get((short[]) data);
            case INT32, UINT32 -> bb.asIntBuffer().get((int[]) data);
            case INT64, UINT64 -> bb.asLongBuffer().get((long[]) data);
        }
        return Tensor.wrap(type, shape, data);
    }

    private ByteBuffer readExternal(TensorProto proto, long expectedBytes) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : proto.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = Long.parseLong(e.getValue());
                case "length" -> length = Long.parseLong(e.getValue());
                default -> { } // "checksum" is optional and not verified
            }
        }
        String name = proto.getName();
        if (location == null) {
            throw new InvalidModelException("tensor '" + name + "' is external but names no location");
        }
        if (baseDir == null) {
            throw new InvalidModelException("tensor '" + name + "' refers to external file '" + location
                    + "' but the model was not read from a file");
        }
        Path file = baseDir.resolve(location).normalize();
        if (!file.startsWith(baseDir)) {
            throw new InvalidModelException("tensor '" + name + "': external location '" + location
                    + "' is outside the model's folder");
        }
        if (length < 0) {
            length = expectedBytes;
        }
        if (length != expectedBytes) {
            throw new InvalidModelException("tensor '" + name + "': external length " + length
                    + " does not match its shape (" + expectedBytes + " bytes)");
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (offset < 0 || offset + length > f.length()) {
                throw new InvalidModelException("tensor '" + name + "': bytes " + offset + ".."
                        + (offset + length) + " lie beyond the end of " + file + " (" + f.length() + " bytes)");
            }
            byte[] bytes = new byte[Math.toIntExact(length)];
            f.seek(offset);
            f.readFully(bytes);
            return ByteBuffer.wrap(bytes);
        } catch (IOException e) {
            throw new InvalidModelException("tensor '" + name + "': cannot read external data "
                    + file + ": " + e.getMessage(), e);
        }
    }

    /** Encodes a tensor as {@code raw_data}, exactly {@code size()} elements. */
    public static TensorProto encode(String name, Tensor t) {
        int n = t.size();
        ByteBuffer bb = ByteBuffer.allocate(n * t.type().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.type()) {
            case FLOAT -> bb.asFloatBuffer().put(t.floats(), 0, n);
            case DOUBLE -> bb.asDoubleBuffer().put((double[]) t.data(), 0, n);
            case INT8, UINT8, BOOL -> bb.put(t.bytes(), 0, n);
            case INT16, UINT16, FLOAT16 -> bb.asShortBuffer().put((short[]) t.data(), 0, n);
            case INT32, UINT32 -> bb.asIntBuffer().put(t.ints(), 0, n);
            case INT64, UINT64 -> bb.asLongBuffer().put(t.longs(), 0, n);
        }
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(t.type().onnxCode())
                .setRawData(ByteString.copyFrom(bb.array()));
        for (int d : t.shape()) {
            b.addDims(d);
        }
        return b.build();
    }
}
