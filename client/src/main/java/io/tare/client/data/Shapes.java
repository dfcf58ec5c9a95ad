package io.tare.client.data;

import java.util.Arrays;

/**
 * Shape arithmetic shared by the readers and the tensor container: element counts and the
 * numpy-style resolution of one {@code -1} dimension.
 */
public final class Shapes {
    private Shapes() {
    }

    /**
     * Number of elements of a fully known shape (1 for a scalar).
     *
     * @throws IllegalArgumentException on a negative dimension or a count beyond {@code long}
     */
    public static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("shape " + format(shape) + " has an unknown dimension");
            }
            count = Math.multiplyExact(count, dim);
        }
        return count;
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
