package io.tare.client.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files are written byte by byte here, as numpy.save lays them out, independent of the reader. */
class NpyReaderTest {
    @TempDir
    Path dir;

    /** numpy's layout: magic, version, header length, dict padded with spaces to a 64-byte boundary, '\n'. */
    private static byte[] npy(int major, String descr, String shape, byte[] body) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int lengthBytes = major == 1 ? 2 : 4;
        int unpadded = 6 + 2 + lengthBytes + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        ByteBuffer length = ByteBuffer.allocate(lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            length.putShort((short) header.length());
        } else {
            length.putInt(header.length());
        }
        out.writeBytes(length.array());
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static byte[] floatsLe(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private Path write(String name, byte[] content) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, content);
        return file;
    }

    @Test
    void readsFloat32VersionOne() throws IOException {
        Path file = write("a.npy", npy(1, "<f4", "(2, 3)", floatsLe(1, 2, 3, 4, 5, -6.5f)));
        TensorData t = NpyReader.read(file);
        assertEquals(Datatype.FP32, t.datatype());
        assertArrayEquals(new long[]{2, 3}, t.shape());
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, -6.5f}, t.asFloats());
    }

    @Test
    void readsInt64VersionTwo() throws IOException {
        ByteBuffer body = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        body.putLong(101).putLong(-2).putLong(Long.MAX_VALUE);
        Path file = write("ids.npy", npy(2, "<i8", "(3,)", body.array()));
        TensorData t = NpyReader.read(file);
        assertEquals(Datatype.INT64, t.datatype());
        assertArrayEquals(new long[]{3}, t.shape());
        assertArrayEquals(new long[]{101, -2, Long.MAX_VALUE}, t.asLongs());
    }

    @Test
    void readsUint8AndInt32AndScalar() throws IOException {
        TensorData labels = NpyReader.read(write("y.npy", npy(1, "|u1", "(4,)", new byte[]{0, 9, (byte) 200, 3})));
        assertEquals(Datatype.UINT8, labels.datatype());
        assertEquals(200.0, labels.doubleAt(2));

        ByteBuffer body = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(-8);
        TensorData ints = NpyReader.read(write("i.npy", npy(1, "<i4", "(1, 2)", body.array())));
        assertArrayEquals(new int[]{7, -8}, ints.asInts());

        TensorData scalar = NpyReader.read(write("s.npy", npy(1, "<f4", "()", floatsLe(2.5f))));
        assertEquals(0, scalar.rank());
        assertArrayEquals(new float[]{2.5f}, scalar.asFloats());
    }

    @Test
    void swapsBigEndianToLittleEndian() throws IOException {
        ByteBuffer body = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(1.25f).putFloat(-3f);
        TensorData t = NpyReader.read(write("be.npy", npy(1, ">f4", "(2,)", body.array())));
        assertArrayEquals(new float[]{1.25f, -3f}, t.asFloats());
    }

    @Test
    void rejectsBadMagic() throws IOException {
        byte[] bytes = npy(1, "<f4", "(1,)", floatsLe(1));
        bytes[1] = 'X';
        IOException e = assertThrows(IOException.class, () -> NpyReader.read(write("bad.npy", bytes)));
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    }

    @Test
    void rejectsTruncatedAndOverlongBodies() throws IOException {
        Path shortFile = write("short.npy", npy(1, "<f4", "(3,)", floatsLe(1, 2)));
        assertTrue(assertThrows(IOException.class, () -> NpyReader.read(shortFile)).getMessage().contains("truncated"));
        Path longFile = write("long.npy", npy(1, "<f4", "(1,)", floatsLe(1, 2)));
        assertTrue(assertThrows(IOException.class, () -> NpyReader.read(longFile)).getMessage().contains("longer"));
    }

    @Test
    void rejectsFortranOrderAndUnsupportedTypes() throws IOException {
        byte[] fortran = npy(1, "<f4", "(1,)", floatsLe(1));
        String text = new String(fortran, StandardCharsets.ISO_8859_1).replace("'fortran_order': False",
                "'fortran_order': True ");
        Path f = write("f.npy", text.getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(IOException.class, () -> NpyReader.read(f)).getMessage().contains("Fortran"));
        Path c = write("c.npy", npy(1, "<c8", "(1,)", new byte[8]));
        assertTrue(assertThrows(IOException.class, () -> NpyReader.read(c)).getMessage().contains("dtype"));
    }

    @Test
    void tensorFilesReshapesNpyAndRejectsMismatch() throws IOException {
        Path file = write("m.npy", npy(1, "<f4", "(2, 4)", floatsLe(0, 1, 2, 3, 4, 5, 6, 7)));
        assertArrayEquals(new long[]{2, 1, 2, 2}, TensorFiles.read(file, new long[]{-1, 1, 2, 2}).shape());
        assertThrows(IOException.class, () -> TensorFiles.read(file, new long[]{3, 3}));
    }
}
