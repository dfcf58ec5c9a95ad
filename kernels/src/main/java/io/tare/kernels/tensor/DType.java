package io.tare.kernels.tensor;

/**
 * Element types the kernels understand, with their ONNX {@code TensorProto.DataType} codes.
 *
 * <p>Quantized types carry their saturation range ({@link #qmin()}..{@link #qmax()}); 4-bit types
 * are stored packed two per byte (see {@link Int4Packing}).
 */
public enum DType {
    FLOAT32(1, 32, 0, 0),
    UINT8(2, 8, 0, 255),
    INT8(3, 8, -128, 127),
    INT32(6, 32, Integer.MIN_VALUE, Integer.MAX_VALUE),
    UINT4(21, 4, 0, 15),
    INT4(22, 4, -8, 7);

    private final int onnxCode;
    private final int bits;
    private final int qmin;
    private final int qmax;

    DType(int onnxCode, int bits, int qmin, int qmax) {
        this.onnxCode = onnxCode;
        this.bits = bits;
        this.qmin = qmin;
        this.qmax = qmax;
    }

    /** The ONNX {@code TensorProto.DataType} value. */
    public int onnxCode() {
        return onnxCode;
    }

    public int bits() {
        return bits;
    }

    /** Lowest representable integer (saturation bound); 0 for FLOAT32. */
    public int qmin() {
        return qmin;
    }

    /** Highest representable integer (saturation bound); 0 for FLOAT32. */
    public int qmax() {
        return qmax;
    }

    /** True for the integer types that quantization targets (8- and 4-bit). */
    public boolean isQuantized() {
        return bits <= 8;
    }

    public boolean isSigned() {
        return this == INT8 || this == INT4 || this == INT32 || this == FLOAT32;
    }

    /** Bytes needed to store {@code count} elements (4-bit types round up to whole bytes). */
    public long byteSize(long count) {
        return (count * bits + 7) / 8;
    }

    /** Reads one stored byte as this 8-bit type's integer value (sign- or zero-extended). */
    public int fromByte(byte b) {
        return switch (this) {
            case UINT8 -> b & 0xFF;
            case INT8 -> b;
            default -> throw new IllegalStateException(this + " is not an 8-bit type");
        };
    }

    /** Looks up the type for an ONNX data type code. */
    public static DType fromOnnx(int code) {
        for (DType t : values()) {
            if (t.onnxCode == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported ONNX data type " + code);
    }
}
