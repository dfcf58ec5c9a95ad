package io.tare.server.quantize;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Writes little-endian C-order {@code .npy} (format 1.0) files for tests and test data tools. */
final class NpyFiles {

    private NpyFiles() {
    }

    static Path writeFloats(Path file, float[] values, long... shape) throws IOException {
        ByteBuffer b = body(values.length, Float.BYTES);
        b.asFloatBuffer().put(values);
        return write(file, "<f4", shape, b);
    }

    static Path writeLongs(Path file, long[] values, long... shape) throws IOException {
        ByteBuffer b = body(values.length, Long.BYTES);
        b.asLongBuffer().put(values);
        return write(file, "<i8", shape, b);
    }

    /** A file whose header says {@code descr} and {@code shape} over {@code body} as given (for bad-input tests). */
    static Path write(Path file, String descr, long[] shape, ByteBuffer body) throws IOException {
        String dims = Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", "));
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + (shape.length == 1 ? "," : "") + "), }";
        // the header is padded with spaces so that the body starts at a multiple of 64 bytes, as NumPy does
        header = header + " ".repeat(63 - (10 + header.length()) % 64) + "\n";
        ByteBuffer out = ByteBuffer.allocate(10 + header.length() + body.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.US_ASCII)).put(body.duplicate());
        return Files.write(file, out.array());
    }

    private static ByteBuffer body(int count, int width) {
        return ByteBuffer.allocate(Math.multiplyExact(count, width)).order(ByteOrder.LITTLE_ENDIAN);
    }
}
