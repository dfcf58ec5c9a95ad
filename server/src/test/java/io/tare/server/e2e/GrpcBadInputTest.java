package io.tare.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tare.client.InferInput;
import io.tare.client.TareClient;
import io.tare.proto.inference.InferTensorContents;
import io.tare.proto.inference.ModelInferRequest;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed gRPC request gets the right status and a message that names the problem. */
class GrpcBadInputTest {
    @TempDir
    static Path repo;
    static TareServer server;
    static GrpcChannel channel;

    @BeforeAll
    static void start() throws Exception {
        Fixtures.addBundled(repo, "digits");
        server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of("digits")).withLimits(1 << 20, 1 << 20));
        channel = new GrpcChannel(server.grpcPort());
    }

    @AfterAll
    static void stop() throws Exception {
        channel.close();
        server.close();
    }

    private static ModelInferRequest valid(UnaryOperator<ModelInferRequest.InferInputTensor.Builder> input, int rawBytes) {
        ModelInferRequest.InferInputTensor.Builder tensor = ModelInferRequest.InferInputTensor.newBuilder()
                .setName("input").setDatatype("FP32").addShape(1).addShape(1).addShape(8).addShape(8);
        return ModelInferRequest.newBuilder().setModelName("digits").addInputs(input.apply(tensor))
                .addRawInputContents(ByteString.copyFrom(new byte[rawBytes])).build();
    }

    private static void expect(Status.Code code, String fragment, ModelInferRequest request) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> channel.stub().modelInfer(request));
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription() != null && e.getStatus().getDescription().contains(fragment),
                "expected '" + fragment + "' in: " + e.getStatus().getDescription());
        stillServes();
    }

    private static void stillServes() {
        assertEquals(List.of(1L, 10L), channel.stub().modelInfer(valid(t -> t, 256)).getOutputs(0).getShapeList());
    }

    @Test
    void unknownModelAndVersion() {
        expect(Status.Code.NOT_FOUND, "'nope'", valid(t -> t, 256).toBuilder().setModelName("nope").build());
        expect(Status.Code.NOT_FOUND, "version '7'", valid(t -> t, 256).toBuilder().setModelVersion("7").build());
    }

    @Test
    void wrongDatatypeShapeAndSize() {
        expect(Status.Code.INVALID_ARGUMENT, "FP64", valid(t -> t.setDatatype("FP64"), 512));
        expect(Status.Code.INVALID_ARGUMENT, "unknown tensor datatype", valid(t -> t.setDatatype("FLOAT"), 256));
        expect(Status.Code.INVALID_ARGUMENT, "[1,1,8,7]", valid(t -> t.setShape(3, 7), 224));
        expect(Status.Code.INVALID_ARGUMENT, "needs 256 bytes but 255", valid(t -> t, 255));
        expect(Status.Code.INVALID_ARGUMENT, "negative", valid(t -> t.setShape(0, -1), 256));
        expect(Status.Code.INVALID_ARGUMENT, "64 bits", valid(t -> t.setShape(0, 1L << 60).setShape(2, 1L << 10), 256));
        expect(Status.Code.INVALID_ARGUMENT, "batch size 65", valid(t -> t.setShape(0, 65), 256 * 65));
    }

    @Test
    void missingExtraAndDuplicateInputs() {
        ModelInferRequest none = ModelInferRequest.newBuilder().setModelName("digits").build();
        expect(Status.Code.INVALID_ARGUMENT, "missing input 'input'", none);
        ModelInferRequest extra = valid(t -> t, 256).toBuilder()
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("bonus").setDatatype("FP32").addShape(1))
                .addRawInputContents(ByteString.copyFrom(new byte[4])).build();
        expect(Status.Code.INVALID_ARGUMENT, "unexpected input 'bonus'", extra);
        ModelInferRequest twice = valid(t -> t, 256).toBuilder().addInputs(valid(t -> t, 256).getInputs(0))
                .addRawInputContents(ByteString.copyFrom(new byte[256])).build();
        expect(Status.Code.INVALID_ARGUMENT, "more than once", twice);
        expect(Status.Code.INVALID_ARGUMENT, "raw_input_contents has 2 entries for 1 inputs",
                valid(t -> t, 256).toBuilder().addRawInputContents(ByteString.EMPTY).build());
    }

    @Test
    void typedContentsOfTheWrongLength() {
        ModelInferRequest.InferInputTensor typed = ModelInferRequest.InferInputTensor.newBuilder().setName("input")
                .setDatatype("FP32").addShape(1).addShape(1).addShape(8).addShape(8)
                .setContents(InferTensorContents.newBuilder().addFp32Contents(1f)).build();
        expect(Status.Code.INVALID_ARGUMENT, "needs 64 values but its contents hold 1",
                ModelInferRequest.newBuilder().setModelName("digits").addInputs(typed).build());
    }

    @Test
    void unknownOutputRequested() {
        expect(Status.Code.INVALID_ARGUMENT, "unknown output 'probs'", valid(t -> t, 256).toBuilder()
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("probs")).build());
    }

    @Test
    void streamReportsABadRequestInErrorMessageAndStaysOpen() throws Exception {
        java.util.List<io.tare.proto.inference.ModelStreamInferResponse> responses =
                java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        var requests = io.tare.proto.inference.GRPCInferenceServiceGrpc.newStub(channel.channel()).modelStreamInfer(
                new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(io.tare.proto.inference.ModelStreamInferResponse r) {
                        responses.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        closed.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        closed.countDown();
                    }
                });
        requests.onNext(valid(t -> t, 256).toBuilder().setId("good-1").build());
        requests.onNext(valid(t -> t.setShape(3, 7), 224).toBuilder().setId("bad").build());
        requests.onNext(valid(t -> t, 256).toBuilder().setModelName("nope").setId("missing").build());
        requests.onNext(valid(t -> t, 256).toBuilder().setId("good-2").build());
        requests.onCompleted();
        assertTrue(closed.await(30, java.util.concurrent.TimeUnit.SECONDS), "the stream must complete normally");
        assertEquals(4, responses.size());
        java.util.Map<String, String> errors = new java.util.HashMap<>();
        responses.forEach(r -> errors.put(r.getInferResponse().getId(), r.getErrorMessage()));
        assertEquals("", errors.get("good-1"));
        assertEquals("", errors.get("good-2"));
        assertTrue(errors.get("bad").contains("[1,1,8,7]"), errors.get("bad"));
        assertTrue(errors.get("missing").contains("'nope'"), errors.get("missing"));
    }

    @Test
    void oversizedMessageIsRefusedAndTheServerStaysUp() {
        // the server under test allows 1 MiB; send 2 MiB
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> channel.stub()
                .modelInfer(valid(t -> t.setShape(0, 8192), 2 << 20)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
        stillServes();
        try (TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            assertEquals(10, client.infer("digits", List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8},
                    new float[64]))).asFloats("logits").length);
        }
    }
}
