package io.tare.server.engine;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the fixtures' raw little-endian arrays (.f32, .u8). */
public final class RawData {
    private RawData() {
    }

    /** {@code count} floats starting at element {@code first}. */
    public static float[] floats(Path file, long first, int count) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] bytes = new byte[count * 4];
            f.seek(first * 4);
            f.readFully(bytes);
            float[] out = new float[count];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }
    }

    public static byte[] bytes(Path file) throws IOException {
        return Files.readAllBytes(file);
    }

    public static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[off + i] > v[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
