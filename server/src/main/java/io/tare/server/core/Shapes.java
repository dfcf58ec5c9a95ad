package io.tare.server.core;

import io.tare.client.data.Datatype;

import java.util.Arrays;

/** Shape arithmetic shared by every codec and validator, with the client's errors spelled out. */
public final class Shapes {
    private Shapes() {
    }

    /**
     * Number of elements in a tensor of this shape.
     *
     * @throws TareException INVALID_ARG for a negative dimension or a product that overflows a long
     */
    public static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw TareException.invalid("shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            try {
                count = Math.multiplyExact(count, dim);
            } catch (ArithmeticException e) {
                throw TareException.invalid("shape " + Arrays.toString(shape) + " has more elements than fit in 64 bits");
            }
        }
        return count;
    }

    /**
     * Byte size of a fixed-size tensor; for BYTES the size is unknown from the shape alone.
     *
     * @throws TareException INVALID_ARG when the size overflows or exceeds what one buffer can hold
     */
    public static int byteSize(Datatype type, long[] shape) {
        long elements = elementCount(shape);
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, (long) type.byteSize());
        } catch (ArithmeticException e) {
            throw TareException.invalid("shape " + Arrays.toString(shape) + " is too large");
        }
        if (bytes > Integer.MAX_VALUE - 16) {
            throw TareException.invalid("tensor of shape " + Arrays.toString(shape) + " and type " + type
                    + " needs " + bytes + " bytes, more than one tensor may hold");
        }
        return (int) bytes;
    }

    public static String toString(long[] shape) {
        return Arrays.toString(shape);
    }
}
