package io.tare.client.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The shape arithmetic both the client and the server validate with. */
class ShapesTest {
    @Test
    void countsElementsAndBytes() {
        assertEquals(1, Shapes.elementCount(new long[0]));
        assertEquals(0, Shapes.elementCount(new long[]{3, 0}));
        assertEquals(784, Shapes.elementCount(new long[]{1, 1, 28, 28}));
        assertEquals(3136, Shapes.byteSize(Datatype.FP32, new long[]{1, 1, 28, 28}));
        assertEquals(2, Shapes.byteSize(Datatype.BF16, new long[]{1}));
    }

    @Test
    void refusesWhatNoTensorCanBe() {
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> Shapes.elementCount(new long[]{-1, 4}));
        assertEquals("shape [-1,4] has a negative dimension", negative.getMessage());
        IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class,
                () -> Shapes.elementCount(new long[]{1L << 60, 16}));
        assertTrue(overflow.getMessage().endsWith("has more elements than fit in 64 bits"), overflow.getMessage());
        IllegalArgumentException bytesOverflow = assertThrows(IllegalArgumentException.class,
                () -> Shapes.byteSize(Datatype.FP64, new long[]{1L << 61}));
        assertTrue(bytesOverflow.getMessage().endsWith("is too large"), bytesOverflow.getMessage());
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> Shapes.byteSize(Datatype.FP32, new long[]{1L << 30}));
        assertTrue(tooBig.getMessage().contains("more than one tensor may hold"), tooBig.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shapes.byteSize(Datatype.BYTES, new long[]{1}));
    }
}
