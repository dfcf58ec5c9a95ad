package io.tare.server.repository;

import io.tare.proto.inference.DataType;
import io.tare.client.data.Datatype;

/** The one mapping between config.pbtxt's {@code TYPE_*} names and protocol datatypes. */
final class ConfigDatatypes {
    private ConfigDatatypes() {
    }

    static DataType toConfig(Datatype type) {
        return switch (type) {
            case BOOL -> DataType.TYPE_BOOL;
            case UINT8 -> DataType.TYPE_UINT8;
            case UINT16 -> DataType.TYPE_UINT16;
            case UINT32 -> DataType.TYPE_UINT32;
            case UINT64 -> DataType.TYPE_UINT64;
            case INT8 -> DataType.TYPE_INT8;
            case INT16 -> DataType.TYPE_INT16;
            case INT32 -> DataType.TYPE_INT32;
            case INT64 -> DataType.TYPE_INT64;
            case FP16 -> DataType.TYPE_FP16;
            case BF16 -> DataType.TYPE_BF16;
            case FP32 -> DataType.TYPE_FP32;
            case FP64 -> DataType.TYPE_FP64;
            case BYTES -> DataType.TYPE_STRING;
        };
    }
}
