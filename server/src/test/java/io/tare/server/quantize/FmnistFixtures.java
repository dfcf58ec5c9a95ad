package io.tare.server.quantize;

import io.tare.proto.onnx.ModelProto;
import java.nio.file.Files;
import java.nio.file.Path;

/** The Fashion-MNIST models and data under {@code tare.shared.dir}; fails loudly when they are missing. */
final class FmnistFixtures {

    private FmnistFixtures() {
    }

    static Path dir() {
        String shared = System.getProperty("tare.shared.dir");
        if (shared == null) {
            throw new IllegalStateException("system property tare.shared.dir is not set (the Maven build sets it)");
        }
        Path d = Path.of(shared, "fixtures", "fmnist");
        if (!Files.isDirectory(d)) {
            throw new IllegalStateException("Fashion-MNIST fixtures missing: " + d);
        }
        return d;
    }

    static Path cnn() {
        return dir().resolve("cnn/fmnist_rescnn_fp32.onnx");
    }

    static Path mlp() {
        return dir().resolve("mlp/fmnist_mlp_fp32.onnx");
    }

    static Path calibration() {
        return dir().resolve("calib_x.f32");
    }

    static Path testImages() {
        return dir().resolve("test_x.f32");
    }

    static Path testLabels() {
        return dir().resolve("test_y.u8");
    }

    /** Options with test-sized batches and sensitivity sets; callers add what they test. */
    static QuantizeOptions options(Path model, Path out) {
        return new QuantizeOptions().model(model).calibration(calibration()).output(out).batch(128).sensitivitySamples(256);
    }

    static ModelProto read(Path p) {
        return ModelProtoFile.read(p);
    }
}
