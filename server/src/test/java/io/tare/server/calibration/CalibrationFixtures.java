package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.Tensor;
import io.tare.server.repository.ControlMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Paths into ../shared/fixtures, raw-array readers and model repository folders for the tests here. */
public final class CalibrationFixtures {
    private CalibrationFixtures() {
    }

    public static Path fixture(String relative) {
        String dir = System.getProperty("tare.shared.dir");
        assertTrue(dir != null, "tare.shared.dir is not set");
        Path p = Path.of(dir, "fixtures").resolve(relative);
        assertTrue(Files.exists(p), "missing fixture " + p);
        return p;
    }

    public static float[] floats(String relative) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(fixture(relative))).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    public static byte[] labels(String relative) throws IOException {
        return Files.readAllBytes(fixture(relative));
    }

    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Per Fashion-MNIST test image: whether {@code model} (a fixture, run in-process by the engine in
     * its default mode: FP32 for a float model, the file's own scales for a QDQ one) classifies it
     * right. The reference the accuracy tests compare the traffic after a scale change against.
     */
    public static boolean[] correctPerImage(String model, float[] images, byte[] labels) {
        LoadedModel loaded = Engine.load(fixture(model), EngineOptions.DEFAULT);
        boolean[] correct = new boolean[labels.length];
        int batch = 100;
        for (int start = 0; start < labels.length; start += batch) {
            float[] x = Arrays.copyOfRange(images, start * 784, (start + batch) * 784);
            float[] out = loaded.run(Map.of("input", Tensor.ofFloats(new int[]{batch, 1, 28, 28}, x))).get("logits")
                    .floats();
            for (int i = 0; i < batch; i++) {
                correct[start + i] = argmax(Arrays.copyOfRange(out, i * 10, i * 10 + 10)) == labels[start + i];
            }
        }
        return correct;
    }

    /** The fraction of {@code correct[from..]} that is true. */
    public static double accuracyFrom(boolean[] correct, int from) {
        int right = 0;
        for (int i = from; i < correct.length; i++) {
            right += correct[i] ? 1 : 0;
        }
        return (double) right / (correct.length - from);
    }

    /** A server on loopback and free ports loading {@code models} from {@code repo}, no admin token. */
    public static TareServer startServer(Path repo, String... models) throws Exception {
        return TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of(models)).withAdminToken(Optional.empty()));
    }

    /** {@code repo/name/1/model.onnx} from a fixture, with {@code config} as config.pbtxt. */
    public static void addModel(Path repo, String name, String fixture, String config) throws IOException {
        Path version = Files.createDirectories(repo.resolve(name).resolve("1"));
        Files.copy(fixture(fixture), version.resolve("model.onnx"));
        Files.writeString(repo.resolve(name).resolve("config.pbtxt"), config);
    }

    /** A config.pbtxt for the tare backend with the given {@code key: value} parameters. */
    public static String tareConfig(String name, int maxBatch, String... keyValues) {
        StringBuilder s = new StringBuilder("name: \"" + name + "\"\nbackend: \"tare\"\nmax_batch_size: " + maxBatch + "\n");
        for (int i = 0; i < keyValues.length; i += 2) {
            s.append("parameters { key: \"").append(keyValues[i]).append("\" value { string_value: \"")
                    .append(keyValues[i + 1]).append("\" } }\n");
        }
        return s.toString();
    }
}
