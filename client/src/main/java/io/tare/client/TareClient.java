package io.tare.client;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.tare.proto.inference.GRPCInferenceServiceGrpc;
import io.tare.proto.inference.ModelConfig;
import io.tare.proto.inference.ModelConfigRequest;
import io.tare.proto.inference.ModelInferRequest;
import io.tare.proto.inference.ModelInferResponse;
import io.tare.proto.inference.ModelMetadataRequest;
import io.tare.proto.inference.ModelMetadataResponse;
import io.tare.proto.inference.ModelReadyRequest;
import io.tare.proto.inference.ModelStatisticsRequest;
import io.tare.proto.inference.ModelStatisticsResponse;
import io.tare.proto.inference.RepositoryIndexRequest;
import io.tare.proto.inference.RepositoryIndexResponse;
import io.tare.proto.inference.RepositoryModelLoadRequest;
import io.tare.proto.inference.RepositoryModelUnloadRequest;
import io.tare.proto.inference.ServerLiveRequest;
import io.tare.proto.inference.ServerMetadataRequest;
import io.tare.proto.inference.ServerMetadataResponse;
import io.tare.proto.inference.ServerReadyRequest;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A KServe v2 gRPC client for Tare (and any server speaking the protocol, Triton included).
 *
 * <p>Blocking calls throw {@link TareClientException} carrying the server's status; {@link #inferAsync}
 * completes its future with one instead. Every unary call has a deadline ({@link TareClientOptions#deadline()}
 * unless the request's {@link InferOptions#timeout()} says otherwise). Thread-safe: share one client;
 * gRPC multiplexes concurrent calls over its channel. Close it once to release the channel.
 */
public final class TareClient implements AutoCloseable {
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;
    private final TareClientOptions options;
    private final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking;
    private final GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async;

    private TareClient(ManagedChannel channel, TareClientOptions options) {
        this.channel = channel;
        this.options = options;
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blockingStub =
                GRPCInferenceServiceGrpc.newBlockingStub(channel).withMaxInboundMessageSize(options.maxInboundMessageBytes());
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub asyncStub =
                GRPCInferenceServiceGrpc.newStub(channel).withMaxInboundMessageSize(options.maxInboundMessageBytes());
        String authorization = options.authorizationHeader();
        if (authorization != null) {
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, authorization);
            blockingStub = blockingStub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            asyncStub = asyncStub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        this.blocking = blockingStub;
        this.async = asyncStub;
    }

    /** Connects to {@code target} ("host:port") with {@link TareClientOptions#DEFAULT}. */
    public static TareClient connect(String target) {
        return connect(target, TareClientOptions.DEFAULT);
    }

    /**
     * Connects to {@code target} ("host:port" or any gRPC target URI). The connection is made lazily, on
     * the first call: an unreachable server shows up as UNAVAILABLE there.
     */
    public static TareClient connect(String target, TareClientOptions options) {
        ChannelCredentials credentials = options.tls()
                ? TlsChannelCredentials.create()
                : InsecureChannelCredentials.create();
        ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(target, credentials)
                .maxInboundMessageSize(options.maxInboundMessageBytes());
        if (options.transportCallbacks()) {
            builder.directExecutor();
        }
        return new TareClient(builder.build(), options);
    }

    /**
     * A client over a channel built elsewhere (in-process tests, custom TLS or load balancing). The client
     * takes ownership and shuts the channel down on {@link #close()}. The channel's builder decides its
     * executor and inbound limit; {@code options} supplies deadlines, the per-call inbound limit and the token.
     */
    public static TareClient over(ManagedChannel channel, TareClientOptions options) {
        return new TareClient(channel, options);
    }

    public TareClientOptions options() {
        return options;
    }

    /** Whether the server process is up (ServerLive). */
    public boolean live() {
        return call(() -> withDeadline(null).serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
    }

    /** Whether the server accepts inference requests (ServerReady). */
    public boolean ready() {
        return call(() -> withDeadline(null).serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    }

    /** Whether {@code model} (any version the server picks) is ready. */
    public boolean modelReady(String model) {
        return modelReady(model, "");
    }

    public boolean modelReady(String model, String version) {
        ModelReadyRequest request = ModelReadyRequest.newBuilder().setName(model).setVersion(version).build();
        return call(() -> withDeadline(null).modelReady(request).getReady());
    }

    public ServerMetadataResponse serverMetadata() {
        return call(() -> withDeadline(null).serverMetadata(ServerMetadataRequest.getDefaultInstance()));
    }

    public ModelMetadataResponse modelMetadata(String model) {
        return modelMetadata(model, "");
    }

    public ModelMetadataResponse modelMetadata(String model, String version) {
        ModelMetadataRequest request = ModelMetadataRequest.newBuilder().setName(model).setVersion(version).build();
        return call(() -> withDeadline(null).modelMetadata(request));
    }

    public ModelConfig modelConfig(String model) {
        ModelConfigRequest request = ModelConfigRequest.newBuilder().setName(model).build();
        return call(() -> withDeadline(null).modelConfig(request).getConfig());
    }

    /** Per-model statistics (counts and cumulative durations); an empty name asks for every model. */
    public ModelStatisticsResponse modelStatistics(String model) {
        ModelStatisticsRequest request = ModelStatisticsRequest.newBuilder().setName(model).build();
        return call(() -> withDeadline(null).modelStatistics(request));
    }

    /** The models the repository holds and their states. */
    public List<RepositoryIndexResponse.ModelIndex> repositoryIndex() {
        return call(() -> withDeadline(null).repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsList());
    }

    /**
     * Loads (or reloads) {@code model} from the repository; the server must run with explicit model control.
     * Waits until the server answers, which is after the model is ready or has failed to load.
     */
    public void loadModel(String model) {
        RepositoryModelLoadRequest request = RepositoryModelLoadRequest.newBuilder().setModelName(model).build();
        call(() -> withDeadline(null).repositoryModelLoad(request));
    }

    /** Unloads {@code model}; requests in flight finish first. */
    public void unloadModel(String model) {
        RepositoryModelUnloadRequest request = RepositoryModelUnloadRequest.newBuilder().setModelName(model).build();
        call(() -> withDeadline(null).repositoryModelUnload(request));
    }

    /** Runs one inference with default options, waiting for the result. */
    public InferResult infer(String model, List<InferInput> inputs) {
        return infer(model, inputs, InferOptions.DEFAULT);
    }

    /**
     * Runs one inference, waiting for the result.
     *
     * @throws TareClientException with the server's status (DEADLINE_EXCEEDED when the deadline passed)
     */
    public InferResult infer(String model, List<InferInput> inputs, InferOptions inferOptions) {
        ModelInferRequest request = GrpcInferCodec.toRequest(model, inputs, inferOptions);
        ModelInferResponse response = call(() -> withDeadline(inferOptions.timeout()).modelInfer(request));
        return GrpcInferCodec.toResult(response);
    }

    /** {@link #inferAsync(String, List, InferOptions)} with default options. */
    public CompletableFuture<InferResult> inferAsync(String model, List<InferInput> inputs) {
        return inferAsync(model, inputs, InferOptions.DEFAULT);
    }

    /**
     * Starts one inference. The future completes on a gRPC thread with the result, or exceptionally with
     * a {@link TareClientException}; cancelling the future cancels the call on the server too.
     */
    public CompletableFuture<InferResult> inferAsync(String model, List<InferInput> inputs,
                                                     InferOptions inferOptions) {
        ModelInferRequest request = GrpcInferCodec.toRequest(model, inputs, inferOptions);
        Duration timeout = inferOptions.timeout() != null ? inferOptions.timeout() : options.deadline();
        CallOptions callOptions = async.getCallOptions().withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
        // The stub's channel carries the interceptors (the bearer token); the raw channel does not.
        ClientCall<ModelInferRequest, ModelInferResponse> call =
                async.getChannel().newCall(GRPCInferenceServiceGrpc.getModelInferMethod(), callOptions);
        CompletableFuture<InferResult> result = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(call, request, new StreamObserver<>() {
            @Override
            public void onNext(ModelInferResponse response) {
                try {
                    result.complete(GrpcInferCodec.toResult(response));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }

            @Override
            public void onError(Throwable failure) {
                result.completeExceptionally(TareClientException.fromGrpc(failure));
            }

            @Override
            public void onCompleted() {
                // The unary response already completed the future in onNext.
            }
        });
        result.whenComplete((ignored, failure) -> {
            if (result.isCancelled()) {
                call.cancel("cancelled by the caller", null);
            }
        });
        return result;
    }

    /** Opens a {@code ModelStreamInfer} stream with no deadline. */
    public InferStream openStream(InferStreamListener listener) {
        return openStream(listener, null);
    }

    /**
     * Opens a {@code ModelStreamInfer} stream.
     *
     * @param lifetime deadline for the whole stream, or null for none (streams are meant to live long)
     */
    public InferStream openStream(InferStreamListener listener, Duration lifetime) {
        InferStream stream = new InferStream(listener);
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub = lifetime == null
                ? async
                : async.withDeadlineAfter(lifetime.toNanos(), TimeUnit.NANOSECONDS);
        stub.modelStreamInfer(stream.responseObserver());
        return stream;
    }

    /** Shuts the channel down, waiting briefly for calls in flight before cancelling them. */
    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub withDeadline(Duration timeout) {
        Duration effective = timeout != null ? timeout : options.deadline();
        return blocking.withDeadlineAfter(effective.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static <T> T call(Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw TareClientException.fromGrpc(e);
        }
    }
}
