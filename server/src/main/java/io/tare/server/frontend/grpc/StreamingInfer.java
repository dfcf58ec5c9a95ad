package io.tare.server.frontend.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tare.proto.inference.ModelInferRequest;
import io.tare.proto.inference.ModelStreamInferResponse;
import io.tare.server.frontend.ErrorStatus;
import io.tare.server.repository.ModelRepository;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@code ModelStreamInfer} call. Each request is answered on the stream, in completion order;
 * a failed request gets a response with {@code error_message} and the stream stays open. The
 * stream completes once the client half-closed and every accepted request was answered.
 *
 * <p>Responses come from compute threads, and a {@link StreamObserver} is not thread-safe, so
 * writes are serialized on this object.
 */
final class StreamingInfer implements StreamObserver<ModelInferRequest> {
    private final ServerCallStreamObserver<ModelStreamInferResponse> out;
    private final ModelRepository repository;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean clientDone;
    private boolean closed;

    StreamingInfer(ServerCallStreamObserver<ModelStreamInferResponse> out, ModelRepository repository) {
        this.out = out;
        this.repository = repository;
    }

    @Override
    public void onNext(ModelInferRequest request) {
        inFlight.incrementAndGet();
        try {
            repository.infer(GrpcTensorCodec.decode(request, InferenceGrpcService.deadlineNanos()))
                    .whenComplete((response, error) -> {
                        if (error != null) {
                            send(failure(request, error));
                        } else {
                            send(ModelStreamInferResponse.newBuilder()
                                    .setInferResponse(GrpcTensorCodec.encode(response)).build());
                        }
                    });
        } catch (RuntimeException e) {
            send(failure(request, e));
        }
    }

    private static ModelStreamInferResponse failure(ModelInferRequest request, Throwable error) {
        ModelStreamInferResponse.Builder b = ModelStreamInferResponse.newBuilder()
                .setErrorMessage(ErrorStatus.toTare(error).getMessage());
        b.getInferResponseBuilder().setModelName(request.getModelName()).setModelVersion(request.getModelVersion())
                .setId(request.getId());
        return b.build();
    }

    private synchronized void send(ModelStreamInferResponse response) {
        if (!closed && !out.isCancelled()) {
            out.onNext(response);
        }
        if (inFlight.decrementAndGet() == 0 && clientDone) {
            finish();
        }
    }

    @Override
    public void onError(Throwable t) {
        synchronized (this) {
            closed = true;
        }
    }

    @Override
    public synchronized void onCompleted() {
        clientDone = true;
        if (inFlight.get() == 0) {
            finish();
        }
    }

    private void finish() {
        if (!closed) {
            closed = true;
            out.onCompleted();
        }
    }
}
