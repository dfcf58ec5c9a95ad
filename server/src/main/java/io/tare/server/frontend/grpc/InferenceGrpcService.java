package io.tare.server.frontend.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tare.proto.inference.*;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.InferenceRequest;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorSpec;
import io.tare.server.frontend.ErrorStatus;
import io.tare.server.frontend.RepositoryAdmin;
import io.tare.server.frontend.ServerInfo;
import io.tare.server.repository.ModelRepository;
import io.tare.server.repository.ModelState;
import io.tare.server.repository.ServedModel;
import io.tare.server.scheduler.ModelStats;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * KServe v2 {@code GRPCInferenceService}. Handlers run on the transport's event loop: they decode,
 * validate and enqueue, and the response is written from the compute thread when the future
 * completes. Nothing here computes.
 */
final class InferenceGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    private final ModelRepository repository;
    private final RepositoryAdmin admin;
    private final Supplier<Boolean> ready;

    InferenceGrpcService(ModelRepository repository, RepositoryAdmin admin, Supplier<Boolean> ready) {
        this.repository = repository;
        this.admin = admin;
        this.ready = ready;
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        reply(out, () -> ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        reply(out, () -> ServerReadyResponse.newBuilder().setReady(ready.get()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        reply(out, () -> ModelReadyResponse.newBuilder()
                .setReady(repository.isReady(request.getName(), request.getVersion())).build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        reply(out, () -> ServerMetadataResponse.newBuilder().setName(ServerInfo.NAME).setVersion(ServerInfo.VERSION)
                .addAllExtensions(ServerInfo.EXTENSIONS).build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        reply(out, () -> {
            ServedModel model = repository.get(request.getName(), request.getVersion());
            ModelSignature signature = model.signature();
            ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(model.name())
                    .addAllVersions(repository.versions(model.name())).setPlatform(model.platform());
            for (TensorSpec in : signature.inputs()) {
                b.addInputs(metadata(signature, in));
            }
            for (TensorSpec o : signature.outputs()) {
                b.addOutputs(metadata(signature, o));
            }
            return b.build();
        });
    }

    private static ModelMetadataResponse.TensorMetadata metadata(ModelSignature signature, TensorSpec spec) {
        ModelMetadataResponse.TensorMetadata.Builder b = ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(spec.name()).setDatatype(spec.datatype().wireName());
        for (long d : signature.clientShape(spec)) {
            b.addShape(d);
        }
        return b.build();
    }

    @Override
    public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> out) {
        reply(out, () -> ModelConfigResponse.newBuilder()
                .setConfig(repository.get(request.getName(), request.getVersion()).config()).build());
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
        reply(out, () -> {
            ModelStatisticsResponse.Builder b = ModelStatisticsResponse.newBuilder();
            if (request.getName().isEmpty()) {
                repository.loaded().forEach(m -> b.addModelStats(statistics(m)));
            } else {
                b.addModelStats(statistics(repository.get(request.getName(), request.getVersion())));
            }
            return b.build();
        });
    }

    private static ModelStatistics statistics(ServedModel model) {
        ModelStats.Snapshot s = model.stats().snapshot();
        ModelStatistics.Builder b = ModelStatistics.newBuilder().setName(model.name()).setVersion(model.version())
                .setLastInference(s.lastInferenceMillis()).setInferenceCount(s.inferenceCount())
                .setExecutionCount(s.executionCount())
                .setInferenceStats(InferStatistics.newBuilder()
                        .setSuccess(duration(s.successCount(), s.successNanos()))
                        .setFail(duration(s.failCount(), s.failNanos()))
                        .setQueue(duration(s.queueCount(), s.queueNanos()))
                        .setComputeInfer(duration(s.computeCount(), s.computeNanos())));
        s.batchCountAndNanos().forEach((size, v) -> b.addBatchStats(InferBatchStatistics.newBuilder()
                .setBatchSize(size).setComputeInfer(duration(v[0], v[1]))));
        return b.build();
    }

    private static StatisticDuration duration(long count, long nanos) {
        return StatisticDuration.newBuilder().setCount(count).setNs(nanos).build();
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
        reply(out, () -> {
            RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
            for (ModelState s : repository.index(request.getReady())) {
                b.addModels(RepositoryIndexResponse.ModelIndex.newBuilder().setName(s.name()).setVersion(s.version())
                        .setState(s.state()).setReason(s.reason()));
            }
            return b.build();
        });
    }

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
        complete(out, admin.load(request.getModelName(), AuthorizationInterceptor.AUTHORIZATION.get())
                .thenApply(v -> RepositoryModelLoadResponse.getDefaultInstance()));
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> out) {
        complete(out, admin.unload(request.getModelName(), AuthorizationInterceptor.AUTHORIZATION.get())
                .thenApply(v -> RepositoryModelUnloadResponse.getDefaultInstance()));
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        CompletableFuture<ModelInferResponse> response;
        try {
            response = repository.infer(GrpcTensorCodec.decode(request, deadlineNanos()))
                    .thenApply(GrpcTensorCodec::encode);
        } catch (RuntimeException e) {
            out.onError(ErrorStatus.grpcStatus(e).asRuntimeException());
            return;
        }
        complete(out, response);
    }

    @Override
    public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
        ServerCallStreamObserver<ModelStreamInferResponse> stream = (ServerCallStreamObserver<ModelStreamInferResponse>) out;
        return new StreamingInfer(stream, repository);
    }

    /** Deadline of the current call as a {@link System#nanoTime()} instant, 0 without one. */
    static long deadlineNanos() {
        Deadline deadline = Context.current().getDeadline();
        if (deadline == null) {
            return 0;
        }
        if (deadline.isExpired()) {
            throw new TareException(ErrorCode.DEADLINE_EXCEEDED, "the deadline passed before the request was read");
        }
        long deadlineNanos = System.nanoTime() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
        return deadlineNanos == 0 ? 1 : deadlineNanos;
    }

    private static <T> void reply(StreamObserver<T> out, Supplier<T> body) {
        T value;
        try {
            value = body.get();
        } catch (RuntimeException e) {
            out.onError(ErrorStatus.grpcStatus(e).asRuntimeException());
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }

    private static <T> void complete(StreamObserver<T> out, CompletableFuture<T> future) {
        future.whenComplete((value, error) -> {
            if (out instanceof ServerCallStreamObserver<T> call && call.isCancelled()) {
                return; // the client gave up (deadline or cancel); there is no one to answer
            }
            if (error != null) {
                out.onError(ErrorStatus.grpcStatus(error).asRuntimeException());
            } else {
                out.onNext(value);
                out.onCompleted();
            }
        });
    }
}
