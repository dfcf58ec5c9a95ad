package io.tare.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tare.client.InferInput;
import io.tare.client.InferResult;
import io.tare.client.TareClient;
import io.tare.proto.inference.ModelMetadataResponse;
import io.tare.proto.inference.ModelStatisticsRequest;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * All 10,000 Fashion-MNIST test images through gRPC, one request per image with 32 in flight so
 * the dynamic batcher forms batches: the accuracy must be ONNX Runtime's 0.9191 exactly.
 */
class FmnistAccuracyTest {
    private static final int IMAGES = 10_000;
    private static final int PIXELS = 28 * 28;

    @TempDir
    Path repo;

    @Test
    void reproducesOnnxRuntimeAccuracyWithDynamicBatching() throws Exception {
        Fixtures.addModel(repo, "fmnist", Fixtures.fixture("fmnist/cnn/fmnist_rescnn_fp32.onnx"), """
                max_batch_size: 32
                dynamic_batching { max_queue_delay_microseconds: 200 preferred_batch_size: [ 8, 16 ] }
                """);
        float[] images = Fixtures.floats(Fixtures.fixture("fmnist/test_x.f32"));
        byte[] labels = Fixtures.labels(Fixtures.fixture("fmnist/test_y.u8"));
        assertEquals(IMAGES * PIXELS, images.length);
        int[] predictions = new int[IMAGES];
        try (TareServer server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of("fmnist")));
             TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort());
             GrpcChannel channel = new GrpcChannel(server.grpcPort())) {
            ModelMetadataResponse metadata = client.modelMetadata("fmnist");
            String input = metadata.getInputs(0).getName();
            String output = metadata.getOutputs(0).getName();
            Semaphore window = new Semaphore(32);
            CompletableFuture<?>[] all = new CompletableFuture<?>[IMAGES];
            for (int i = 0; i < IMAGES; i++) {
                float[] x = new float[PIXELS];
                System.arraycopy(images, i * PIXELS, x, 0, PIXELS);
                window.acquire();
                int index = i;
                all[i] = client.inferAsync("fmnist", List.of(InferInput.ofFloats(input, new long[]{1, 1, 28, 28}, x)))
                        .whenComplete((r, e) -> window.release())
                        .thenAccept((InferResult r) -> predictions[index] = Fixtures.argmax(r.asFloats(output), 0, 10));
            }
            CompletableFuture.allOf(all).join();
            var stats = channel.stub().modelStatistics(ModelStatisticsRequest.newBuilder().setName("fmnist").build());
            long executions = stats.getModelStats(0).getExecutionCount();
            assertEquals(IMAGES, stats.getModelStats(0).getInferenceCount());
            org.junit.jupiter.api.Assertions.assertTrue(executions < IMAGES,
                    "dynamic batching should have joined requests: " + executions + " executions for " + IMAGES);
        }
        int correct = 0;
        for (int i = 0; i < IMAGES; i++) {
            if (predictions[i] == labels[i]) {
                correct++;
            }
        }
        assertEquals(9191, correct, "accuracy " + correct / (double) IMAGES);
    }
}
