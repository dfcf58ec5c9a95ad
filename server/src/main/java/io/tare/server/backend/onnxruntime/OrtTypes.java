package io.tare.server.backend.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import io.tare.client.data.Datatype;
import io.tare.server.core.TareException;

/** The one mapping between ONNX Runtime's Java types and the protocol's datatypes. */
final class OrtTypes {
    private OrtTypes() {
    }

    static Datatype toDatatype(OnnxJavaType type, String tensorName) {
        return switch (type) {
            case FLOAT -> Datatype.FP32;
            case DOUBLE -> Datatype.FP64;
            case INT8 -> Datatype.INT8;
            case UINT8 -> Datatype.UINT8;
            case INT16 -> Datatype.INT16;
            case INT32 -> Datatype.INT32;
            case INT64 -> Datatype.INT64;
            case BOOL -> Datatype.BOOL;
            case FLOAT16 -> Datatype.FP16;
            case BFLOAT16 -> Datatype.BF16;
            case STRING -> Datatype.BYTES;
            default -> throw new TareException(io.tare.server.core.ErrorCode.UNSUPPORTED,
                    "tensor '" + tensorName + "' has ONNX type " + type + ", which Tare does not serve");
        };
    }

    static OnnxJavaType toOrt(Datatype type) {
        return switch (type) {
            case FP32 -> OnnxJavaType.FLOAT;
            case FP64 -> OnnxJavaType.DOUBLE;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT16 -> OnnxJavaType.INT16;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case BOOL -> OnnxJavaType.BOOL;
            case FP16 -> OnnxJavaType.FLOAT16;
            case BF16 -> OnnxJavaType.BFLOAT16;
            case BYTES -> OnnxJavaType.STRING;
            case UINT16, UINT32, UINT64 -> throw new TareException(io.tare.server.core.ErrorCode.UNSUPPORTED,
                    "ONNX Runtime's Java API has no " + type + " tensors");
        };
    }
}
