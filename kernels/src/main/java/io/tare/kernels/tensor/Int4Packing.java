package io.tare.kernels.tensor;

/**
 * 4-bit packing in ONNX order: element {@code 2i} in the low nibble of byte {@code i}, element
 * {@code 2i+1} in the high nibble. An odd count leaves the last high nibble zero.
 */
public final class Int4Packing {
    private Int4Packing() {
    }

    /** Packs {@code count} values (already within the 4-bit range) from {@code src} into {@code dst}. */
    public static void pack(byte[] src, int srcOff, int count, byte[] dst, int dstOff) {
        for (int i = 0; i < count; i += 2) {
            int lo = src[srcOff + i] & 0x0F;
            int hi = i + 1 < count ? src[srcOff + i + 1] & 0x0F : 0;
            dst[dstOff + (i >> 1)] = (byte) (lo | (hi << 4));
        }
    }

    /** Unpacks {@code count} values into one byte each, sign-extending when {@code signed}. */
    public static void unpack(byte[] src, int srcOff, int count, boolean signed, byte[] dst, int dstOff) {
        for (int i = 0; i < count; i++) {
            dst[dstOff + i] = (byte) get(src[srcOff + (i >> 1)], i & 1, signed);
        }
    }

    /** The nibble {@code which} (0 = low, 1 = high) of {@code packed}. */
    public static int get(byte packed, int which, boolean signed) {
        int nibble = (packed >> (which * 4)) & 0x0F;
        return signed ? (nibble << 28) >> 28 : nibble;
    }
}
