package io.tare.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.tare.client.InferInput;
import io.tare.client.TareClient;
import io.tare.proto.inference.RepositoryIndexRequest;
import io.tare.proto.inference.RepositoryIndexResponse;
import io.tare.proto.inference.RepositoryModelLoadRequest;
import io.tare.proto.inference.RepositoryModelUnloadRequest;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Explicit model control over gRPC: auth, index, bad models, and load/unload under live traffic. */
class RepositoryControlTest {
    private static final String TOKEN = "s3cret-token";

    @TempDir
    Path repo;

    private TareServer start(ControlMode mode, List<String> load) {
        return TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(mode, load).withAdminToken(Optional.of(TOKEN)));
    }

    private static io.tare.proto.inference.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub admin(GrpcChannel c) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
        return c.stub().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static float[] digit() {
        return new float[64];
    }

    @Test
    void loadAndUnloadNeedTheTokenAndLoseNoRequestUnderTraffic() throws Exception {
        Fixtures.addBundled(repo, "digits");
        Fixtures.addBundled(repo, "digits_qdq");
        try (TareServer server = start(ControlMode.EXPLICIT, List.of("digits"));
             GrpcChannel channel = new GrpcChannel(server.grpcPort());
             TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            StatusRuntimeException denied = assertThrows(StatusRuntimeException.class, () -> channel.stub()
                    .repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("digits_qdq").build()));
            assertEquals(Status.Code.UNAUTHENTICATED, denied.getStatus().getCode());
            Metadata wrong = new Metadata();
            wrong.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer nope");
            assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class, () -> channel.stub()
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(wrong))
                    .repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("digits").build()))
                    .getStatus().getCode());
            assertFalse(client.modelReady("digits_qdq"));

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CompletableFuture<?>[] traffic = new CompletableFuture<?>[4];
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(traffic.length);
            for (int t = 0; t < traffic.length; t++) {
                traffic[t] = CompletableFuture.runAsync(() -> {
                    while (running.get()) {
                        try {
                            client.infer("digits", List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8}, digit())));
                            ok.incrementAndGet();
                        } catch (RuntimeException e) {
                            failure.compareAndSet(null, e);
                        }
                    }
                }, pool);
            }
            for (int round = 0; round < 5 || (ok.get() < 300 && round < 200); round++) {
                admin(channel).repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("digits_qdq").build());
                assertTrue(client.modelReady("digits_qdq"));
                // reloading the model under traffic swaps versions; in-flight requests finish on the old one
                admin(channel).repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("digits").build());
                admin(channel).repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("digits_qdq").build());
                assertFalse(client.modelReady("digits_qdq"));
            }
            running.set(false);
            CompletableFuture.allOf(traffic).join();
            pool.shutdown();
            assertEquals(null, failure.get(), "no request may fail during load/unload");
            assertTrue(ok.get() >= 300, "traffic ran: " + ok.get());
        }
    }

    @Test
    void badModelsFailAloneWithAClearReason() throws Exception {
        Fixtures.addBundled(repo, "digits");
        Path notOnnx = Files.createDirectories(repo.resolve("garbage/1"));
        Files.writeString(notOnnx.resolve("model.onnx"), "this is not an ONNX file");
        Fixtures.addModel(repo, "badconfig", Fixtures.fixture("digits/digits_cnn_fp32.onnx"),
                "max_batch_size: 8\noptimization_level_that_does_not_exist: 3\n");
        Fixtures.addModel(repo, "wrongtype", Fixtures.fixture("digits/digits_cnn_fp32.onnx"),
                "input [ { name: \"input\" data_type: TYPE_INT64 dims: [ 1, 8, 8 ] } ]\n");
        try (TareServer server = start(ControlMode.NONE, List.of());
             GrpcChannel channel = new GrpcChannel(server.grpcPort());
             TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            assertTrue(client.modelReady("digits"), "the good model loads beside the bad ones");
            RepositoryIndexResponse index = channel.stub().repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
            String garbage = Fixtures.unavailableReason(index, "garbage");
            assertTrue(garbage.contains("garbage") && garbage.contains("model.onnx"), garbage);
            String badConfig = Fixtures.unavailableReason(index, "badconfig");
            assertTrue(badConfig.contains("config.pbtxt") && badConfig.contains("optimization_level_that_does_not_exist"),
                    badConfig);
            String wrongType = Fixtures.unavailableReason(index, "wrongtype");
            assertTrue(wrongType.contains("TYPE_INT64") && wrongType.contains("TYPE_FP32"), wrongType);
            // control mode none: the repository API refuses changes
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> admin(channel)
                    .repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("digits").build()));
            assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
            assertTrue(client.modelReady("digits"));
        }
    }
}
