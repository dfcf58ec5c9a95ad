package io.tare.client.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads headerless tensor files: little-endian, C order, element type named by the extension
 * ({@code .f32 .f64 .i8 .i32 .i64 .u8}), shape given by the caller — the layout of the fixtures'
 * {@code test_x.f32} and {@code test_y.u8}.
 *
 * <p>The shape may hold one {@code -1}, resolved from the file size (so {@code -1,1,28,28} reads any
 * number of Fashion-MNIST images). A size that does not fit the shape is an error, never truncated.
 */
public final class RawTensorFile {
    private RawTensorFile() {
    }

    /**
     * The datatype a raw file's extension names.
     *
     * @throws IllegalArgumentException for an extension that names no datatype
     */
    public static Datatype datatypeOf(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1);
        return switch (extension) {
            case "f32" -> Datatype.FP32;
            case "f64" -> Datatype.FP64;
            case "i8" -> Datatype.INT8;
            case "i32" -> Datatype.INT32;
            case "i64" -> Datatype.INT64;
            case "u8" -> Datatype.UINT8;
            default -> throw new IllegalArgumentException(file + ": unknown raw tensor extension '." + extension
                    + "' (expected .f32 .f64 .i8 .i32 .i64 .u8 or .npy)");
        };
    }

    /** True when the file's extension names a raw tensor type. */
    public static boolean isRawTensorFile(Path file) {
        try {
            datatypeOf(file);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Reads {@code file} as a tensor of {@code shape}, typed by its extension.
     *
     * @throws IOException when the file cannot be read or its size does not fit the shape
     * @throws IllegalArgumentException for an unknown extension
     */
    public static TensorData read(Path file, long[] shape) throws IOException {
        return read(file, datatypeOf(file), shape);
    }

    /**
     * Reads {@code file} as a tensor of {@code datatype} and {@code shape}.
     *
     * @throws IOException when the file cannot be read or its size does not fit the shape
     */
    public static TensorData read(Path file, Datatype datatype, long[] shape) throws IOException {
        if (!datatype.isFixedSize()) {
            throw new IllegalArgumentException("raw files hold fixed-size elements, not " + datatype);
        }
        long size = Files.size(file);
        if (size % datatype.byteSize() != 0) {
            throw new IOException(file + ": " + size + " bytes is not a whole number of " + datatype + " elements");
        }
        long[] resolved;
        try {
            resolved = Shapes.resolve(shape, size / datatype.byteSize());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException(file + ": " + size + " bytes is too large to hold in memory");
        }
        return new TensorData(datatype, resolved, Files.readAllBytes(file));
    }
}
