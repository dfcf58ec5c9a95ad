package io.tare.server.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.client.data.NpyReader;
import io.tare.proto.inference.ModelConfig;
import io.tare.client.data.Datatype;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every backend must do, checked on the real digits CNN against PyTorch's logits. A backend
 * passes the kit by extending it and naming itself in {@link #backend()}.
 */
public abstract class BackendCompatibilityKit {
    private static final int IMAGES = 360;
    private static final int PIXELS = 64;

    @TempDir
    Path tmp;

    protected abstract Backend backend();

    /** Parameters for the model (e.g. the engine's mode); none by default. */
    protected Map<String, String> parameters() {
        return Map.of();
    }

    /** Largest |ours - torch| allowed on a logit, relative to the logit's magnitude (at least 1). */
    protected double logitTolerance() {
        return 1e-4;
    }

    private static Path fixture(String name) {
        Path p = Path.of(System.getProperty("tare.shared.dir"), "fixtures", "digits", name);
        assertTrue(Files.exists(p), "missing fixture " + p);
        return p;
    }

    private BackendModel load(Path file, int maxBatch) {
        ModelConfig config = ModelConfig.newBuilder().setName("digits").setMaxBatchSize(maxBatch).build();
        return backend().load(new ModelSource("digits", "1", file, config, parameters()));
    }

    private static float[] images() throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(fixture("test_x.f32"))).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[IMAGES * PIXELS];
        b.asFloatBuffer().get(out);
        return out;
    }

    private static TensorData batch(float[] images, int from, int count) {
        ByteBuffer b = ByteBuffer.allocate(count * PIXELS * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = from * PIXELS; i < (from + count) * PIXELS; i++) {
            b.putFloat(images[i]);
        }
        return new TensorData("input", Datatype.FP32, new long[]{count, 1, 8, 8}, b.flip());
    }

    private static float[] floats(TensorData t) {
        float[] out = new float[t.byteSize() / 4];
        t.data().asFloatBuffer().get(out);
        return out;
    }

    @Test
    void signatureDescribesTheModel() {
        try (BackendModel model = load(fixture("digits_cnn_fp32.onnx"), 16)) {
            ModelSignature s = model.signature();
            assertEquals(16, s.maxBatchSize());
            assertEquals("input", s.inputs().getFirst().name());
            assertEquals(Datatype.FP32, s.inputs().getFirst().datatype());
            assertArrayEquals(new long[]{1, 8, 8}, s.inputs().getFirst().dims());
            assertEquals("logits", s.outputs().getFirst().name());
            assertArrayEquals(new long[]{10}, s.outputs().getFirst().dims());
            assertTrue(!model.platform().isEmpty());
        }
    }

    @Test
    void matchesPyTorchLogitsInBatchesAndSingly() throws Exception {
        float[] images = images();
        float[] torch = NpyReader.read(fixture("test_logits_fp32_torch.npy")).asFloats();
        assertEquals(IMAGES * 10, torch.length);
        try (BackendModel model = load(fixture("digits_cnn_fp32.onnx"), 64)) {
            ModelInstance instance = model.createInstance(0);
            float[] batched = new float[IMAGES * 10];
            for (int start = 0; start < IMAGES; start += 40) {
                TensorData out = instance.execute(List.of(batch(images, start, 40)), List.of("logits")).getFirst();
                assertArrayEquals(new long[]{40, 10}, out.shape());
                System.arraycopy(floats(out), 0, batched, start * 10, 400);
            }
            for (int i = 0; i < batched.length; i++) {
                double tolerance = logitTolerance() * Math.max(1, Math.abs(torch[i]));
                assertEquals(torch[i], batched[i], tolerance, "logit " + i);
            }
            for (int i = 0; i < 13; i++) {
                float[] single = floats(instance.execute(List.of(batch(images, i, 1)), List.of("logits")).getFirst());
                for (int j = 0; j < 10; j++) {
                    assertEquals(batched[i * 10 + j], single[j], 1e-5 * Math.max(1, Math.abs(single[j])),
                            "a row's result must not depend on its batch");
                }
            }
            instance.close();
        }
    }

    @Test
    void instancesRunConcurrentlyWithoutInterference() throws Exception {
        float[] images = images();
        try (BackendModel model = load(fixture("digits_cnn_fp32.onnx"), 64)) {
            ModelInstance a = model.createInstance(0);
            ModelInstance b = model.createInstance(1);
            float[] expected = floats(a.execute(List.of(batch(images, 0, 32)), List.of("logits")).getFirst());
            CompletableFuture<?>[] runs = new CompletableFuture<?>[2];
            ModelInstance[] instances = {a, b};
            for (int r = 0; r < 2; r++) {
                ModelInstance instance = instances[r];
                runs[r] = CompletableFuture.runAsync(() -> {
                    for (int k = 0; k < 50; k++) {
                        assertArrayEquals(expected, floats(instance.execute(List.of(batch(images, 0, 32)),
                                List.of("logits")).getFirst()));
                    }
                });
            }
            CompletableFuture.allOf(runs).join();
            a.close();
            b.close();
        }
    }

    @Test
    void refusesAFileThatIsNotAModel() throws Exception {
        Path garbage = Files.writeString(tmp.resolve("model.onnx"), "definitely not protobuf");
        TareException e = assertThrows(TareException.class, () -> load(garbage, 0));
        assertTrue(e.getMessage().contains(garbage.toString()), e.getMessage());
    }
}
