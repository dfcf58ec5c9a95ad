package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    /** {@code repo/name/1/model.onnx} from a fixture, with {@code config} as config.pbtxt. */
    /** A server on loopback and free ports loading {@code models} from {@code repo}, no admin token. */
    public static TareServer startServer(Path repo, String... models) throws Exception {
        return TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of(models)).withAdminToken(Optional.empty()));
    }

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
