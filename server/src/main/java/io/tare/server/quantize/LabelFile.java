package io.tare.server.quantize;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Class labels for accuracy checks: raw {@code .u8} (one byte per sample) or {@code .npy} of u1/i4/i8. */
public final class LabelFile {

    private LabelFile() {
    }

    /**
     * Reads every label.
     *
     * @param expected the number of samples they label; a different count is an error
     */
    public static int[] read(Path path, long expected) {
        String source = path.toString();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new QuantizeException(source + " is empty");
            }
            int width = 1;
            long offset = 0;
            long count = size;
            if (source.endsWith(".npy")) {
                NpyHeader h = NpyHeader.read(ch, source);
                width = h.elementBytes(source, "u1", "i4", "i8");
                offset = h.bodyOffset();
                count = h.shape().length == 0 ? 1 : h.shape()[0];
            }
            if (count != expected) {
                throw new QuantizeException(source + " holds " + count + " labels for " + expected + " samples");
            }
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(count * width)).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // read until full
            }
            if (b.hasRemaining()) {
                throw new QuantizeException(source + " is truncated");
            }
            b.flip();
            int[] labels = new int[(int) count];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = switch (width) {
                    case 1 -> b.get() & 0xff;
                    case 4 -> b.getInt();
                    default -> Math.toIntExact(b.getLong());
                };
            }
            return labels;
        } catch (IOException e) {
            throw new QuantizeException("cannot read labels " + source + ": " + e.getMessage(), e);
        }
    }
}
