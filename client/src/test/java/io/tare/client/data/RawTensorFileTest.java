package io.tare.client.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RawTensorFileTest {
    @TempDir
    Path dir;

    @Test
    void readsFloatsAndResolvesTheLeadingDimension() throws IOException {
        ByteBuffer body = ByteBuffer.allocate(6 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            body.putFloat(i * 0.5f);
        }
        Path file = dir.resolve("x.f32");
        Files.write(file, body.array());
        TensorData t = RawTensorFile.read(file, new long[]{-1, 1, 3});
        assertEquals(Datatype.FP32, t.datatype());
        assertArrayEquals(new long[]{2, 1, 3}, t.shape());
        assertArrayEquals(new float[]{1.5f, 2f, 2.5f}, t.sliceRows(1, 1).asFloats());
        assertArrayEquals(new long[]{1, 1, 3}, t.sliceRows(1, 1).shape());
    }

    @Test
    void readsInt64AndUint8() throws IOException {
        Path ids = dir.resolve("ids.i64");
        Files.write(ids, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(5).putLong(-1).array());
        assertArrayEquals(new long[]{5, -1}, RawTensorFile.read(ids, new long[]{1, 2}).asLongs());

        Path labels = dir.resolve("y.u8");
        Files.write(labels, new byte[]{9, (byte) 255});
        TensorData y = TensorFiles.read(labels, new long[]{-1});
        assertEquals(Datatype.UINT8, y.datatype());
        assertEquals(255.0, y.doubleAt(1));
    }

    @Test
    void rejectsSizesThatDoNotFitTheShape() throws IOException {
        Path file = dir.resolve("odd.f32");
        Files.write(file, new byte[10]);
        assertTrue(assertThrows(IOException.class, () -> RawTensorFile.read(file, new long[]{-1}))
                .getMessage().contains("whole number"));
        Path five = dir.resolve("five.f32");
        Files.write(five, new byte[20]);
        assertThrows(IOException.class, () -> RawTensorFile.read(five, new long[]{-1, 2}));
        assertThrows(IOException.class, () -> RawTensorFile.read(five, new long[]{4}));
    }

    @Test
    void rawFilesNeedAShapeAndAKnownExtension() throws IOException {
        Path file = dir.resolve("x.f32");
        Files.write(file, new byte[4]);
        assertThrows(IllegalArgumentException.class, () -> TensorFiles.read(file, null));
        Path unknown = dir.resolve("x.bin");
        Files.write(unknown, new byte[4]);
        assertThrows(IllegalArgumentException.class, () -> TensorFiles.read(unknown, new long[]{1}));
    }

    @Test
    void readsTheFashionMnistFixture() throws IOException {
        Path fixture = Path.of(System.getProperty("tare.shared.dir", "../shared"), "fixtures/fmnist/test_x.f32");
        assertTrue(Files.exists(fixture), "fixture missing: " + fixture);
        TensorData images = RawTensorFile.read(fixture, new long[]{-1, 1, 28, 28});
        assertArrayEquals(new long[]{10000, 1, 28, 28}, images.shape());
        float[] first = images.sliceRows(0, 1).asFloats();
        double sum = 0;
        for (float v : first) {
            assertTrue(v >= -10 && v <= 10, "pixel out of any plausible range: " + v);
            sum += Math.abs(v);
        }
        assertTrue(sum > 0, "the first image is blank");
    }

    @Test
    void shapesParseAndResolve() {
        assertArrayEquals(new long[]{1, 1, 28, 28}, Shapes.parse("1x1x28x28"));
        assertArrayEquals(new long[]{-1, 784}, Shapes.parse("-1,784"));
        assertArrayEquals(new long[0], Shapes.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Shapes.parse("1,a"));
        assertThrows(IllegalArgumentException.class, () -> Shapes.resolve(new long[]{-1, -1}, 4));
    }
}
