package io.tare.server.cli;

import io.tare.client.data.TensorFiles;
import io.tare.client.data.Datatype;
import io.tare.server.core.TensorData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An input file (.npy, or raw little-endian .f32/.i64/.u8 with a per-row shape) seen as rows, cut
 * into batches for a model input. The file readers are the client's; this is the one place their
 * tensors become the server's.
 */
final class Dataset {
    /** Row shape for files read as one flat vector (labels, reference outputs). */
    static final long[] FLAT = new long[0];

    private final io.tare.client.data.TensorData rows;

    private Dataset(io.tare.client.data.TensorData rows) {
        this.rows = rows;
    }

    /** @param rowShape shape of one sample without the leading row dimension, or null for .npy */
    static Dataset read(Path file, long[] rowShape) throws IOException {
        long[] shape = null;
        if (rowShape != null) {
            shape = new long[rowShape.length + 1];
            shape[0] = -1;
            System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        }
        try {
            return new Dataset(TensorFiles.read(file, shape));
        } catch (IllegalArgumentException e) {
            throw new Flags.UsageException(e.getMessage());
        }
    }

    int rows() {
        return (int) rows.rows();
    }

    /** Rows {@code [first, first + count)} as one tensor named {@code name}. */
    TensorData batch(String name, int first, int count) {
        io.tare.client.data.TensorData slice = rows.sliceRows(first, count);
        return new TensorData(name, slice.datatype(), slice.shape(), slice.data());
    }

    /** The whole file as integers (labels). */
    int[] asLabels() {
        int[] labels = new int[Math.toIntExact(rows.elementCount())];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (int) rows.doubleAt(i);
        }
        return labels;
    }

    float[] asFloats() {
        return rows.asFloats();
    }

    static long[] parseShape(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Arrays.stream(text.split(",")).map(String::trim).mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException e) {
            throw new Flags.UsageException("--shape must be comma-separated integers, not '" + text + "'");
        }
    }
}
