package io.tare.server.backend.tare;

import io.tare.client.data.Datatype;
import io.tare.client.data.Shapes;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The one conversion between the server's {@link TensorData} (raw little-endian bytes) and the
 * engine's {@link Tensor} (primitive arrays). Each direction copies exactly once: the engine needs
 * Java arrays and a response needs bytes. Stateless and thread-safe.
 */
public final class TensorConversion {
    private TensorConversion() {
    }

    /** An engine tensor holding a copy of {@code data}'s elements. */
    public static Tensor toEngine(TensorData data) {
        DataType type = engineType(data.datatype(), data.name());
        long[] shape = data.shape();
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = Math.toIntExact(shape[i]);
        }
        int n = Math.toIntExact(Shapes.elementCount(shape));
        ByteBuffer bytes = data.data();
        Object array = Tensor.newArray(type, n);
        switch (type) {
            case FLOAT -> bytes.asFloatBuffer().get((float[]) array);
            case DOUBLE -> bytes.asDoubleBuffer().get((double[]) array);
            case INT8, UINT8, BOOL -> bytes.get((byte[]) array);
            case INT16, UINT16, FLOAT16 -> bytes.asShortBuffer().get((short[]) array);
            case INT32, UINT32 -> bytes.asIntBuffer().get((int[]) array);
            case INT64, UINT64 -> bytes.asLongBuffer().get((long[]) array);
        }
        return Tensor.wrap(type, dims, array);
    }

    /** A response tensor holding a copy of the first {@code tensor.size()} elements. */
    public static TensorData fromEngine(String name, Tensor tensor) {
        Datatype datatype = serverType(tensor.type(), name);
        int n = tensor.size();
        ByteBuffer out = ByteBuffer.allocate(n * tensor.type().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        Object array = tensor.data();
        switch (tensor.type()) {
            case FLOAT -> out.asFloatBuffer().put((float[]) array, 0, n);
            case DOUBLE -> out.asDoubleBuffer().put((double[]) array, 0, n);
            case INT8, UINT8, BOOL -> out.put(0, (byte[]) array, 0, n);
            case INT16, UINT16, FLOAT16 -> out.asShortBuffer().put((short[]) array, 0, n);
            case INT32, UINT32 -> out.asIntBuffer().put((int[]) array, 0, n);
            case INT64, UINT64 -> out.asLongBuffer().put((long[]) array, 0, n);
        }
        int[] dims = tensor.shape();
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = dims[i];
        }
        return new TensorData(name, datatype, shape, out);
    }

    /** The protocol datatype of an engine element type. */
    public static Datatype serverType(DataType type, String tensorName) {
        return switch (type) {
            case FLOAT -> Datatype.FP32;
            case DOUBLE -> Datatype.FP64;
            case UINT8 -> Datatype.UINT8;
            case INT8 -> Datatype.INT8;
            case UINT16 -> Datatype.UINT16;
            case INT16 -> Datatype.INT16;
            case INT32 -> Datatype.INT32;
            case UINT32 -> Datatype.UINT32;
            case INT64 -> Datatype.INT64;
            case UINT64 -> Datatype.UINT64;
            case BOOL -> Datatype.BOOL;
            case FLOAT16 -> Datatype.FP16;
        };
    }

    /** The engine element type of a protocol datatype; BYTES and BF16 have none. */
    public static DataType engineType(Datatype type, String tensorName) {
        return switch (type) {
            case FP32 -> DataType.FLOAT;
            case FP64 -> DataType.DOUBLE;
            case UINT8 -> DataType.UINT8;
            case INT8 -> DataType.INT8;
            case UINT16 -> DataType.UINT16;
            case INT16 -> DataType.INT16;
            case INT32 -> DataType.INT32;
            case UINT32 -> DataType.UINT32;
            case INT64 -> DataType.INT64;
            case UINT64 -> DataType.UINT64;
            case BOOL -> DataType.BOOL;
            case FP16 -> DataType.FLOAT16;
            case BF16, BYTES -> throw new TareException(ErrorCode.UNSUPPORTED,
                    "tensor '" + tensorName + "' is " + type + ", which the tare backend does not run");
        };
    }
}
