package io.tare.server.core;

import java.util.Locale;

/**
 * Tensor datatypes of the KServe v2 protocol, with their wire names and element sizes.
 * {@link #BYTES} is variable-length: in raw form each element is a 4-byte little-endian length
 * followed by that many bytes.
 */
public enum Datatype {
    BOOL(1), UINT8(1), UINT16(2), UINT32(4), UINT64(8),
    INT8(1), INT16(2), INT32(4), INT64(8),
    FP16(2), BF16(2), FP32(4), FP64(8),
    BYTES(-1);

    private final int byteSize;

    Datatype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Size of one element in bytes; -1 for {@link #BYTES}. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFixedSize() {
        return byteSize > 0;
    }

    /** The protocol's name for this type, e.g. {@code "FP32"}. */
    public String wireName() {
        return name();
    }

    /** Parses a protocol datatype name; unknown names are the client's error. */
    public static Datatype fromWire(String name) {
        if (name == null || name.isEmpty()) {
            throw TareException.invalid("tensor datatype is missing");
        }
        try {
            return Datatype.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw TareException.invalid("unknown tensor datatype '" + name
                    + "' (expected one of BOOL, UINT8..UINT64, INT8..INT64, FP16, BF16, FP32, FP64, BYTES)");
        }
    }
}
