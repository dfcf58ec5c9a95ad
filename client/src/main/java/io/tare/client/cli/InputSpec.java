package io.tare.client.cli;

import io.tare.client.data.Shapes;
import io.tare.client.data.TensorData;
import io.tare.client.data.TensorFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * One {@code --input name=file[:shape]} argument: an input name and the file holding its data. The shape
 * (one {@code -1} allowed) describes the whole file; raw files need it, {@code .npy} files may reshape.
 */
record InputSpec(String name, Path file, long[] shape) {
    private static final Pattern SHAPE = Pattern.compile("-?\\d+([,x]-?\\d+)*");

    /**
     * Parses "name=file", "name=file:1,784" or "name=file:-1,1,28,28".
     *
     * @throws UsageException when the text has no name or no file
     */
    static InputSpec parse(String text) throws UsageException {
        int eq = text.indexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw new UsageException("--input takes name=file[:shape], got '" + text + "'");
        }
        String name = text.substring(0, eq);
        String rest = text.substring(eq + 1);
        long[] shape = null;
        int colon = rest.lastIndexOf(':');
        // A colon followed by a shape separates it; anything else stays part of the path.
        if (colon > 0 && SHAPE.matcher(rest.substring(colon + 1)).matches()) {
            try {
                shape = Shapes.parse(rest.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            rest = rest.substring(0, colon);
        }
        return new InputSpec(name, Path.of(rest), shape);
    }

    /**
     * Reads the file.
     *
     * @throws UsageException when the file is missing, unreadable or does not fit the shape (a bad argument)
     */
    TensorData load() throws UsageException {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("input '" + name + "': no such file " + file);
        }
        try {
            return TensorFiles.read(file, shape);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException("input '" + name + "': " + e.getMessage());
        }
    }
}
