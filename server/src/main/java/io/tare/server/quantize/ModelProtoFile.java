package io.tare.server.quantize;

import com.google.protobuf.CodedInputStream;
import io.tare.proto.onnx.ModelProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Reads and writes whole ONNX files as {@link ModelProto}. Writes go to a temporary file beside
 * the target and are then moved over it, so a failure never leaves a partial model behind.
 */
public final class ModelProtoFile {

    private ModelProtoFile() {
    }

    public static ModelProto read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new QuantizeException("model " + file + " does not exist or is not a file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            ModelProto m = ModelProto.parseFrom(coded);
            if (!m.hasGraph() || m.getGraph().getNodeCount() == 0) {
                throw new QuantizeException(file + " holds no graph (is it an ONNX model?)");
            }
            return m;
        } catch (IOException e) {
            throw new QuantizeException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
        }
    }

    /** Temporary files are created owner-only; outputs are ordinary files others may read (rw-r--r--). */
    private static void readableByAll(Path p) throws IOException {
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /** Writes {@code bytes} to {@code target} through a temporary file and an atomic move. */
    public static void writeAtomically(Path target, byte[] bytes) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(bytes);
            }
            readableByAll(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new QuantizeException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the write already failed and that is what gets reported
                }
            }
        }
    }
}
