package io.tare.client.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens a tensor file by its extension: {@code .npy} through {@link NpyReader} (shape from its header),
 * anything else as a {@link RawTensorFile} (shape required).
 */
public final class TensorFiles {
    private TensorFiles() {
    }

    /**
     * Reads {@code file}.
     *
     * @param shape for raw files, the shape (one {@code -1} allowed); for {@code .npy}, null to keep the
     *              header's shape or a shape to reshape to (same element count)
     * @throws IOException when the file cannot be read or does not fit the shape
     * @throws IllegalArgumentException when a raw file has no shape or an unknown extension
     */
    public static TensorData read(Path file, long[] shape) throws IOException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            TensorData array = NpyReader.read(file);
            if (shape == null) {
                return array;
            }
            try {
                return array.reshape(shape);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": cannot reshape " + array + " to " + Shapes.format(shape) + ": "
                        + e.getMessage());
            }
        }
        Datatype datatype = RawTensorFile.datatypeOf(file);
        if (shape == null) {
            throw new IllegalArgumentException(file + ": a raw " + datatype
                    + " file needs a shape, e.g. name=" + file.getFileName() + ":-1,1,28,28");
        }
        return RawTensorFile.read(file, datatype, shape);
    }
}
