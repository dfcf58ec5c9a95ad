package io.tare.server.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared fixtures; fails loudly when they are missing rather than skipping. */
public final class TestFixtures {
    private TestFixtures() {
    }

    public static Path sharedDir() {
        String dir = System.getProperty("tare.shared.dir");
        if (dir == null) {
            throw new IllegalStateException("system property tare.shared.dir is not set (run through Maven)");
        }
        Path p = Path.of(dir);
        assertTrue(Files.isDirectory(p), "shared fixtures folder " + p + " is missing");
        return p;
    }

    public static Path nodeTests() {
        Path p = sharedDir().resolve("onnx-node-tests");
        assertTrue(Files.isDirectory(p), "ONNX node tests missing at " + p);
        return p;
    }

    public static Path fixture(String relative) {
        Path p = sharedDir().resolve("fixtures").resolve(relative);
        assertTrue(Files.exists(p), "fixture missing: " + p);
        return p;
    }
}
