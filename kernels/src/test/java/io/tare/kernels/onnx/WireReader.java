package io.tare.kernels.onnx;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Just enough of the protobuf wire format to read ONNX test files without a protobuf dependency:
 * varints, fixed32/64, length-delimited fields. Test code only.
 */
final class WireReader {
    private final byte[] buf;
    private int pos;
    private final int end;

    WireReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    private WireReader(byte[] buf, int from, int to) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
    }

    boolean hasMore() {
        return pos < end;
    }

    /** Field number of the next tag; call {@link #wireType()} right after. */
    int nextTag() {
        lastTag = (int) varint();
        return lastTag >>> 3;
    }

    private int lastTag;

    int wireType() {
        return lastTag & 7;
    }

    long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = buf[pos++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new IllegalStateException("malformed varint");
    }

    int fixed32() {
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    long fixed64() {
        long lo = fixed32() & 0xFFFFFFFFL;
        long hi = fixed32() & 0xFFFFFFFFL;
        return lo | hi << 32;
    }

    byte[] bytes() {
        int len = (int) varint();
        byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + len);
        pos += len;
        return out;
    }

    String string() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    WireReader message() {
        int len = (int) varint();
        WireReader sub = new WireReader(buf, pos, pos + len);
        pos += len;
        return sub;
    }

    /** Reads a repeated varint field occurrence, packed (wire type 2) or not. */
    void varints(List<Long> into) {
        if (wireType() == 2) {
            WireReader packed = message();
            while (packed.hasMore()) {
                into.add(packed.varint());
            }
        } else {
            into.add(varint());
        }
    }

    /** Reads a repeated fixed32 field occurrence (floats), packed or not. */
    void fixed32s(List<Integer> into) {
        if (wireType() == 2) {
            WireReader packed = message();
            while (packed.hasMore()) {
                into.add(packed.fixed32());
            }
        } else {
            into.add(fixed32());
        }
    }

    void skip() {
        switch (wireType()) {
            case 0 -> varint();
            case 1 -> pos += 8;
            case 2 -> {
                int len = (int) varint(); // read before adding: pos += varint() would add to the old pos
                pos += len;
            }
            case 5 -> pos += 4;
            default -> throw new IllegalStateException("unsupported wire type " + wireType());
        }
    }

    static List<Long> newLongs() {
        return new ArrayList<>();
    }
}
