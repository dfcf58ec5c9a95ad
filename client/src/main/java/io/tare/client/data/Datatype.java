package io.tare.client.data;

import java.util.Locale;

/**
 * Tensor element types of the KServe v2 protocol, named as they travel on the wire ("FP32", "INT64", ...).
 *
 * <p>{@link #byteSize()} is the size of one element in the raw little-endian encoding; {@link #BYTES}
 * has no fixed size (each element is a 4-byte length followed by its bytes), so it reports 0.
 */
public enum Datatype {
    BOOL(1), UINT8(1), UINT16(2), UINT32(4), UINT64(8),
    INT8(1), INT16(2), INT32(4), INT64(8),
    FP16(2), BF16(2), FP32(4), FP64(8),
    BYTES(0);

    private final int byteSize;

    Datatype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element in the raw encoding; 0 for the variable-length {@link #BYTES}. */
    public int byteSize() {
        return byteSize;
    }

    /** True when elements have a fixed size, so that a byte count follows from the shape. */
    public boolean isFixedSize() {
        return byteSize > 0;
    }

    /** The protocol's spelling of this type. */
    public String wireName() {
        return name();
    }

    /**
     * Parses a protocol datatype name (case-insensitive).
     *
     * @throws IllegalArgumentException naming the unknown type
     */
    public static Datatype fromWireName(String wireName) {
        try {
            return valueOf(wireName.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown tensor datatype '" + wireName + "'");
        }
    }
}
