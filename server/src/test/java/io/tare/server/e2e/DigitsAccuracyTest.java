package io.tare.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tare.client.InferInput;
import io.tare.client.InferResult;
import io.tare.client.InferStream;
import io.tare.client.InferStreamListener;
import io.tare.client.TareClient;
import io.tare.proto.inference.GRPCInferenceServiceGrpc;
import io.tare.proto.inference.InferTensorContents;
import io.tare.proto.inference.ModelInferRequest;
import io.tare.proto.inference.ModelInferResponse;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The digits test set (360 images) through every protocol path of a real server on real ports,
 * for the bundled FP32 model and its QDQ INT8 twin: each must reproduce 351/360 exactly.
 */
class DigitsAccuracyTest {
    private static final int IMAGES = 360;
    private static final int PIXELS = 64;
    private static final int CORRECT = 351;

    @TempDir
    static Path repo;
    static TareServer server;
    static float[] images;
    static byte[] labels;

    @BeforeAll
    static void start() throws Exception {
        Fixtures.addBundled(repo, "digits");
        Fixtures.addBundled(repo, "digits_qdq");
        server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of("digits", "digits_qdq")).withAdminToken(Optional.empty()));
        images = Fixtures.floats(Fixtures.fixture("digits/test_x.f32"));
        labels = Fixtures.labels(Fixtures.fixture("digits/test_y.u8"));
        assertEquals(IMAGES * PIXELS, images.length);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static float[] image(int i) {
        float[] x = new float[PIXELS];
        System.arraycopy(images, i * PIXELS, x, 0, PIXELS);
        return x;
    }

    private static int countCorrect(float[][] logits) {
        int correct = 0;
        for (int i = 0; i < IMAGES; i++) {
            assertEquals(10, logits[i].length);
            if (Fixtures.argmax(logits[i], 0, 10) == labels[i]) {
                correct++;
            }
        }
        return correct;
    }

    @ParameterizedTest
    @ValueSource(strings = {"digits", "digits_qdq"})
    void grpcRawContents(String model) {
        float[][] logits = new float[IMAGES][];
        try (TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            for (int i = 0; i < IMAGES; i++) {
                InferResult r = client.infer(model, List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8}, image(i))));
                logits[i] = r.asFloats("logits");
            }
        }
        assertEquals(CORRECT, countCorrect(logits));
    }

    @ParameterizedTest
    @ValueSource(strings = {"digits", "digits_qdq"})
    void grpcTypedContentsInBatchesOfForty(String model) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        try {
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
            float[][] logits = new float[IMAGES][];
            for (int start = 0; start < IMAGES; start += 40) {
                InferTensorContents.Builder contents = InferTensorContents.newBuilder();
                for (int j = start * PIXELS; j < (start + 40) * PIXELS; j++) {
                    contents.addFp32Contents(images[j]);
                }
                ModelInferRequest request = ModelInferRequest.newBuilder().setModelName(model)
                        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                                .addShape(40).addShape(1).addShape(8).addShape(8).setContents(contents)).build();
                ModelInferResponse response = stub.modelInfer(request);
                assertEquals(List.of(40L, 10L), response.getOutputs(0).getShapeList());
                float[] all = floats(response.getRawOutputContents(0).asReadOnlyByteBuffer());
                for (int i = 0; i < 40; i++) {
                    logits[start + i] = java.util.Arrays.copyOfRange(all, i * 10, i * 10 + 10);
                }
            }
            assertEquals(CORRECT, countCorrect(logits));
        } finally {
            channel.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"digits", "digits_qdq"})
    void grpcStreaming(String model) throws Exception {
        ConcurrentHashMap<String, float[]> byId = new ConcurrentHashMap<>();
        AtomicReference<String> error = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(IMAGES);
        try (TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            InferStream stream = client.openStream(new InferStreamListener() {
                @Override
                public void onResult(InferResult result) {
                    byId.put(result.id(), result.asFloats("logits"));
                    done.countDown();
                }

                @Override
                public void onRequestError(String id, String message) {
                    error.set(id + ": " + message);
                    done.countDown();
                }

                @Override
                public void onClose(io.tare.client.TareClientException failure) {
                    if (failure != null) {
                        error.set("stream closed: " + failure.getMessage());
                    }
                }
            });
            for (int i = 0; i < IMAGES; i++) {
                stream.send(model, List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8}, image(i))),
                        io.tare.client.InferOptions.builder().requestId(String.valueOf(i)).build());
            }
            assertTrue(done.await(60, TimeUnit.SECONDS), "stream answered " + (IMAGES - done.getCount()) + " of " + IMAGES);
            stream.complete();
        }
        assertEquals(null, error.get());
        float[][] logits = new float[IMAGES][];
        for (int i = 0; i < IMAGES; i++) {
            logits[i] = byId.get(String.valueOf(i));
        }
        assertEquals(CORRECT, countCorrect(logits));
    }

    @ParameterizedTest
    @ValueSource(strings = {"digits", "digits_qdq"})
    void httpJson(String model) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        float[][] logits = new float[IMAGES][];
        for (int i = 0; i < IMAGES; i++) {
            StringBuilder data = new StringBuilder();
            for (float v : image(i)) {
                data.append(data.isEmpty() ? "" : ",").append(v);
            }
            String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,8,8],\"datatype\":\"FP32\",\"data\":[" + data + "]}]}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                    + "/v2/models/" + model + "/infer")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            logits[i] = parseFloatArray(r.body());
        }
        assertEquals(CORRECT, countCorrect(logits));
    }

    @ParameterizedTest
    @ValueSource(strings = {"digits", "digits_qdq"})
    void httpBinaryExtension(String model) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        float[][] logits = new float[IMAGES][];
        for (int i = 0; i < IMAGES; i++) {
            byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,8,8],\"datatype\":\"FP32\","
                    + "\"parameters\":{\"binary_data_size\":256}}],"
                    + "\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"binary_data\":true}}]}").getBytes(StandardCharsets.UTF_8);
            ByteBuffer body = ByteBuffer.allocate(header.length + 256).order(ByteOrder.LITTLE_ENDIAN);
            body.put(header);
            for (float v : image(i)) {
                body.putFloat(v);
            }
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                            + "/v2/models/" + model + "/infer"))
                    .header("Inference-Header-Content-Length", String.valueOf(header.length))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
            int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
            assertEquals(jsonLength + 40, r.body().length);
            logits[i] = floats(ByteBuffer.wrap(r.body(), jsonLength, 40));
        }
        assertEquals(CORRECT, countCorrect(logits));
    }

    static float[] floats(ByteBuffer bytes) {
        ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    /** The first "data":[...] array of a KServe JSON response. */
    static float[] parseFloatArray(String json) {
        int start = json.indexOf("\"data\"");
        int open = json.indexOf('[', start);
        int close = json.indexOf(']', open);
        String[] parts = json.substring(open + 1, close).split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i].trim());
        }
        return out;
    }
}
