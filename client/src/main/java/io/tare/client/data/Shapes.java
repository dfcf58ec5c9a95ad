package io.tare.client.data;

import java.util.Arrays;

/**
 * Shape arithmetic for both sides of the protocol (the client's readers and tensors, the server's
 * codecs and validator): element and byte counts with overflow checks, the numpy-style resolution
 * of one {@code -1} dimension, parsing and the one printed form of a shape. Errors are
 * {@link IllegalArgumentException}s whose messages are written for whoever sent the shape; the
 * server turns them into INVALID_ARG.
 */
public final class Shapes {
    private Shapes() {
    }

    /**
     * Number of elements of a fully known shape (1 for a scalar).
     *
     * @throws IllegalArgumentException on a negative (or unknown, -1) dimension or a count beyond {@code long}
     */
    public static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("shape " + format(shape) + " has a negative dimension");
            }
            try {
                count = Math.multiplyExact(count, dim);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape " + format(shape) + " has more elements than fit in 64 bits");
            }
        }
        return count;
    }

    /**
     * Bytes of a tensor of a fixed-size type; a BYTES tensor's size does not follow from its shape.
     *
     * @throws IllegalArgumentException as {@link #elementCount}, or when the size exceeds what one
     *                                  buffer (a Java array) can hold
     */
    public static int byteSize(Datatype type, long[] shape) {
        if (!type.isFixedSize()) {
            throw new IllegalArgumentException(type + " tensors have no fixed byte size");
        }
        long elements = elementCount(shape);
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, (long) type.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + format(shape) + " is too large");
        }
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor of shape " + format(shape) + " and type " + type
                    + " needs " + bytes + " bytes, more than one tensor may hold");
        }
        return (int) bytes;
    }

    /**
     * Replaces at most one {@code -1} in {@code shape} so that the shape holds exactly {@code elements}.
     *
     * @return a new array; {@code shape} is not modified
     * @throws IllegalArgumentException when no shape with those dimensions holds that many elements
     */
    public static long[] resolve(long[] shape, long elements) {
        long[] resolved = shape.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < resolved.length; i++) {
            if (resolved[i] == -1) {
                if (unknown >= 0) {
                    throw new IllegalArgumentException("shape " + format(shape) + " has more than one -1");
                }
                unknown = i;
            } else if (resolved[i] < 0) {
                throw new IllegalArgumentException("shape " + format(shape) + " has a negative dimension");
            } else {
                known = Math.multiplyExact(known, resolved[i]);
            }
        }
        if (unknown >= 0) {
            if (known == 0 || elements % known != 0) {
                throw new IllegalArgumentException(
                        elements + " elements cannot be arranged as " + format(shape));
            }
            resolved[unknown] = elements / known;
        } else if (known != elements) {
            throw new IllegalArgumentException(
                    "shape " + format(shape) + " holds " + known + " elements but the data has " + elements);
        }
        return resolved;
    }

    /**
     * Parses "1,1,28,28" (also "1x1x28x28"); an empty string is a scalar.
     *
     * @throws IllegalArgumentException on anything that is not a list of integers
     */
    public static long[] parse(String text) {
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            return new long[0];
        }
        String[] parts = trimmed.split("[,x]");
        long[] shape = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                shape[i] = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad shape '" + text + "': expected integers such as 1,1,28,28");
            }
            if (shape[i] < -1) {
                throw new IllegalArgumentException("bad shape '" + text + "': dimensions are >= 0 or -1");
            }
        }
        return shape;
    }

    /** "[1,1,28,28]", the form used in every message. */
    public static String format(long[] shape) {
        return Arrays.toString(shape).replace(" ", "");
    }
}
