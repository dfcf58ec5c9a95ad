package io.tare.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.proto.inference.RepositoryIndexResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths to ../shared/fixtures and the bundled models, and readers for their raw arrays. */
final class Fixtures {
    private Fixtures() {
    }

    static Path shared() {
        String dir = System.getProperty("tare.shared.dir");
        assertTrue(dir != null && Files.isDirectory(Path.of(dir)), "tare.shared.dir must point at ../shared, got " + dir);
        return Path.of(dir);
    }

    static Path fixture(String relative) {
        Path p = shared().resolve("fixtures").resolve(relative);
        assertTrue(Files.exists(p), "missing fixture " + p);
        return p;
    }

    static Path bundledModels() {
        Path p = Path.of(System.getProperty("tare.root.dir")).resolve("models");
        assertTrue(Files.isDirectory(p), "missing bundled model repository " + p);
        return p;
    }

    static float[] floats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    static byte[] labels(Path file) throws IOException {
        return Files.readAllBytes(file);
    }

    static int argmax(float[] v, int offset, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (v[offset + i] > v[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    /** Copies a model file into {@code repo/name/1/model.onnx}, with an optional config.pbtxt. */
    static void addModel(Path repo, String name, Path modelFile, String config) throws IOException {
        Path version = Files.createDirectories(repo.resolve(name).resolve("1"));
        Files.copy(modelFile, version.resolve("model.onnx"));
        if (config != null) {
            Files.writeString(repo.resolve(name).resolve("config.pbtxt"), config);
        }
    }

    /** Copies a folder of the bundled repository. */
    static void addBundled(Path repo, String name) throws IOException {
        Path source = bundledModels().resolve(name);
        try (var files = Files.walk(source)) {
            for (Path p : files.toList()) {
                Path target = repo.resolve(name).resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** The reason the repository index gives for a model it lists as UNAVAILABLE. */
    static String unavailableReason(RepositoryIndexResponse index, String model) {
        return index.getModelsList().stream().filter(m -> m.getName().equals(model)).findFirst()
                .map(m -> {
                    assertEquals("UNAVAILABLE", m.getState());
                    return m.getReason();
                }).orElseThrow(() -> new AssertionError(model + " missing from the index " + index));
    }
}
