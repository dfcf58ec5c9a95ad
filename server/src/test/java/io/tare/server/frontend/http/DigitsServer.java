package io.tare.server.frontend.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tare.server.backend.BackendRegistry;
import io.tare.server.frontend.AdminAuth;
import io.tare.server.frontend.RepositoryAdmin;
import io.tare.server.repository.ControlMode;
import io.tare.server.repository.ModelRepository;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real HTTP frontend on a free port over a real repository holding the digits CNN (FP32, ONNX
 * Runtime) as {@code digits/1/model.onnx}, plus a plain {@link HttpClient} to talk to it.
 */
final class DigitsServer implements AutoCloseable {
    static final int TEST_IMAGES = 360;
    static final int PIXELS = 64;

    final Path root;
    final ModelRepository repository;
    final Vertx vertx;
    final RepositoryAdmin admin;
    final HttpFrontend frontend;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    final int port;

    private DigitsServer(AdminAuth auth, ControlMode mode, long maxBodyBytes, boolean loadDigits) throws IOException {
        root = Files.createTempDirectory("tare-http-test");
        Path version = Files.createDirectories(root.resolve("digits").resolve("1"));
        Files.copy(fixture("digits/digits_cnn_fp32.onnx"), version.resolve("model.onnx"));
        repository = new ModelRepository(root, BackendRegistry.discover(), new SimpleMeterRegistry(), i -> { }, mode);
        if (loadDigits) {
            repository.load("digits");
        }
        vertx = Vertx.vertx();
        admin = new RepositoryAdmin(repository, auth);
        frontend = new HttpFrontend(vertx, repository, admin, new HttpOptions("127.0.0.1", 0, maxBodyBytes));
        port = frontend.start();
    }

    static DigitsServer start() throws IOException {
        return new DigitsServer(AdminAuth.open(), ControlMode.EXPLICIT, HttpOptions.DEFAULT_MAX_BODY_BYTES, true);
    }

    static DigitsServer start(AdminAuth auth, ControlMode mode, long maxBodyBytes, boolean loadDigits)
            throws IOException {
        return new DigitsServer(auth, mode, maxBodyBytes, loadDigits);
    }

    static Path fixture(String relative) {
        String shared = System.getProperty("tare.shared.dir");
        if (shared == null) {
            throw new IllegalStateException("system property tare.shared.dir is not set (the build sets it)");
        }
        Path file = Path.of(shared, "fixtures", relative);
        assertTrue(Files.isRegularFile(file), "missing fixture " + file);
        return file;
    }

    /** The 360 test images, [360,1,8,8] float32, as little-endian bytes. */
    static byte[] testImages() throws IOException {
        byte[] x = Files.readAllBytes(fixture("digits/test_x.f32"));
        if (x.length != TEST_IMAGES * PIXELS * 4) {
            throw new IllegalStateException("test_x.f32 has " + x.length + " bytes");
        }
        return x;
    }

    static byte[] testLabels() throws IOException {
        return Files.readAllBytes(fixture("digits/test_y.u8"));
    }

    static float[] floats(byte[] bytes, int offset, int count) {
        float[] out = new float[count];
        ByteBuffer.wrap(bytes, offset, count * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    static int argmax(float[] v, int from, int length) {
        int best = from;
        for (int i = from + 1; i < from + length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best - from;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postJson(String path, String json) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> post(HttpRequest.Builder request) throws IOException, InterruptedException {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** POST with the binary extension: JSON header followed by raw tensor bytes. */
    HttpResponse<byte[]> postBinary(String path, String jsonHeader, byte[]... tensors)
            throws IOException, InterruptedException {
        byte[] header = jsonHeader.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(header);
        for (byte[] t : tensors) {
            body.write(t);
        }
        return post(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/octet-stream")
                .header(InferenceRoute.HEADER_LENGTH, Integer.toString(header.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    @Override
    public void close() throws IOException {
        frontend.close();
        vertx.close().await();
        admin.close();
        repository.close();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
