package io.tare.server.engine;

/**
 * Element types the engine can hold in a {@link Tensor}, with their ONNX {@code TensorProto.DataType}
 * codes. Types ONNX has but the engine does not (strings, complex, 8/4/2-bit floats and integers,
 * bfloat16) are absent on purpose: a model that uses them is rejected at load by name.
 */
public enum DataType {
    FLOAT(1, 4),
    UINT8(2, 1),
    INT8(3, 1),
    UINT16(4, 2),
    INT16(5, 2),
    INT32(6, 4),
    INT64(7, 8),
    BOOL(9, 1),
    FLOAT16(10, 2),
    DOUBLE(11, 8),
    UINT32(12, 4),
    UINT64(13, 8);

    private final int onnxCode;
    private final int byteSize;

    DataType(int onnxCode, int byteSize) {
        this.onnxCode = onnxCode;
        this.byteSize = byteSize;
    }

    /** The {@code TensorProto.DataType} number of this type. */
    public int onnxCode() {
        return onnxCode;
    }

    /** Bytes per element in ONNX's little-endian raw layout. */
    public int byteSize() {
        return byteSize;
    }

    /** True for FLOAT, DOUBLE and FLOAT16: the types whose arithmetic is IEEE, not wrapping. */
    public boolean isFloatingPoint() {
        return this == FLOAT || this == DOUBLE || this == FLOAT16;
    }

    /** True for the integer types whose values are read as unsigned. */
    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64 || this == BOOL;
    }

    /**
     * The type with the given ONNX code.
     *
     * @throws UnsupportedModelException when the engine has no such type; the message names the
     *     ONNX type so a user knows what to change
     */
    public static DataType fromOnnx(int code) {
        for (DataType t : values()) {
            if (t.onnxCode == code) {
                return t;
            }
        }
        throw new UnsupportedModelException("tensor element type " + onnxName(code) + " (" + code
                + ") is not supported by the Tare engine");
    }

    /** ONNX's name for a type code, including the types the engine does not support. */
    public static String onnxName(int code) {
        return switch (code) {
            case 0 -> "UNDEFINED";
            case 1 -> "FLOAT";
            case 2 -> "UINT8";
            case 3 -> "INT8";
            case 4 -> "UINT16";
            case 5 -> "INT16";
            case 6 -> "INT32";
            case 7 -> "INT64";
            case 8 -> "STRING";
            case 9 -> "BOOL";
            case 10 -> "FLOAT16";
            case 11 -> "DOUBLE";
            case 12 -> "UINT32";
            case 13 -> "UINT64";
            case 14 -> "COMPLEX64";
            case 15 -> "COMPLEX128";
            case 16 -> "BFLOAT16";
            case 17 -> "FLOAT8E4M3FN";
            case 18 -> "FLOAT8E4M3FNUZ";
            case 19 -> "FLOAT8E5M2";
            case 20 -> "FLOAT8E5M2FNUZ";
            case 21 -> "UINT4";
            case 22 -> "INT4";
            case 23 -> "FLOAT4E2M1";
            case 24 -> "FLOAT8E8M0";
            case 25 -> "UINT2";
            case 26 -> "INT2";
            default -> "type#" + code;
        };
    }
}
