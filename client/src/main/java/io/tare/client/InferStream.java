package io.tare.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tare.proto.inference.ModelInferRequest;
import io.tare.proto.inference.ModelStreamInferResponse;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One open {@code ModelStreamInfer} call: requests go out with {@link #send}, responses come back to the
 * {@link InferStreamListener} in order. Many requests may be in flight at once.
 *
 * <p>Thread-safe for senders. {@link #send} never blocks: gRPC buffers what the transport cannot take yet,
 * so a fast producer should bound its in-flight requests or watch {@link #isReady()}. Per-request
 * timeouts do not apply on a stream; the stream's own deadline (if any) was set when it was opened.
 */
public final class InferStream implements AutoCloseable {
    private final InferStreamListener listener;
    private final CountDownLatch closed = new CountDownLatch(1);
    private ClientCallStreamObserver<ModelInferRequest> requests;
    private boolean halfClosed;

    InferStream(InferStreamListener listener) {
        this.listener = listener;
    }

    /** The observer gRPC calls; it hands responses to the listener. */
    ClientResponseObserver<ModelInferRequest, ModelStreamInferResponse> responseObserver() {
        return new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ModelInferRequest> requestStream) {
                requests = requestStream;
            }

            @Override
            public void onNext(ModelStreamInferResponse response) {
                String id = response.getInferResponse().getId();
                if (!response.getErrorMessage().isEmpty()) {
                    listener.onRequestError(id, response.getErrorMessage());
                    return;
                }
                InferResult result;
                try {
                    result = GrpcInferCodec.toResult(response.getInferResponse());
                } catch (RuntimeException e) {
                    listener.onRequestError(id, "undecodable response: " + e.getMessage());
                    return;
                }
                listener.onResult(result);
            }

            @Override
            public void onError(Throwable failure) {
                try {
                    listener.onClose(TareClientException.fromGrpc(failure));
                } finally {
                    closed.countDown();
                }
            }

            @Override
            public void onCompleted() {
                try {
                    listener.onClose(null);
                } finally {
                    closed.countDown();
                }
            }
        };
    }

    /** Sends one request with default options. */
    public void send(String model, List<InferInput> inputs) {
        send(model, inputs, InferOptions.DEFAULT);
    }

    /**
     * Sends one request; its response (or error) arrives at the listener.
     *
     * @throws IllegalStateException after {@link #complete()} or once the stream has ended
     */
    public synchronized void send(String model, List<InferInput> inputs, InferOptions options) {
        if (halfClosed || closed.getCount() == 0) {
            throw new IllegalStateException("the stream is closed");
        }
        requests.onNext(GrpcInferCodec.toRequest(model, inputs, options));
    }

    /** True when the transport can take another request without buffering it. */
    public boolean isReady() {
        return requests.isReady();
    }

    /** Says no more requests will come; the server answers what it has and ends the stream. Idempotent. */
    public synchronized void complete() {
        if (!halfClosed && closed.getCount() > 0) {
            halfClosed = true;
            requests.onCompleted();
        }
    }

    /** Abandons the stream; the listener's {@code onClose} receives a CANCELLED failure. */
    public synchronized void cancel(String reason) {
        halfClosed = true;
        requests.cancel(reason, null);
    }

    /**
     * Waits for the stream to end (after {@link #complete()} or {@link #cancel}).
     *
     * @return false when {@code timeout} passed first
     */
    public boolean awaitClose(Duration timeout) throws InterruptedException {
        return closed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Same as {@link #complete()}; does not wait. */
    @Override
    public void close() {
        complete();
    }
}
