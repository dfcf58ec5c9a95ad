package io.tare.server.frontend.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tare.proto.calibration.CalibrationServiceGrpc;
import io.tare.proto.calibration.CalibrationStatistics;
import io.tare.proto.calibration.GetPolicyRequest;
import io.tare.proto.calibration.GetScalesRequest;
import io.tare.proto.calibration.Policy;
import io.tare.proto.calibration.RollbackRequest;
import io.tare.proto.calibration.ScaleTable;
import io.tare.proto.calibration.SetPolicyRequest;
import io.tare.proto.calibration.StreamStatisticsRequest;
import io.tare.proto.calibration.UpdateScalesRequest;
import io.tare.server.calibration.CalibrationDirectory;
import io.tare.server.calibration.CalibrationPolicy;
import io.tare.server.calibration.ModelCalibration;
import io.tare.server.frontend.AdminAuth;
import io.tare.server.frontend.ErrorStatus;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * tare.calibration.v1.CalibrationService. Handlers only look up the model and hand work to its
 * calibration thread (futures complete the call), so nothing blocks the event loop; write calls
 * check the admin token first. A statistics stream drops a message rather than queue it when the
 * client is not ready to read (flow control), since the next one supersedes it.
 */
final class CalibrationGrpcService extends CalibrationServiceGrpc.CalibrationServiceImplBase {
    /** Interval when the request gives none. */
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    private final CalibrationDirectory directory;
    private final AdminAuth auth;

    CalibrationGrpcService(CalibrationDirectory directory, AdminAuth auth) {
        this.directory = directory;
        this.auth = auth;
    }

    @Override
    public void streamStatistics(StreamStatisticsRequest request, StreamObserver<CalibrationStatistics> observer) {
        ModelCalibration calibration;
        try {
            calibration = directory.find(request.getModelName());
        } catch (RuntimeException e) {
            observer.onError(ErrorStatus.grpcStatus(e).asRuntimeException());
            return;
        }
        ServerCallStreamObserver<CalibrationStatistics> call = (ServerCallStreamObserver<CalibrationStatistics>) observer;
        Set<String> only = new HashSet<>(request.getTensorsList());
        Duration interval = request.getIntervalMs() == 0 ? DEFAULT_INTERVAL : Duration.ofMillis(request.getIntervalMs());
        boolean histograms = !request.getOmitHistograms();
        AutoCloseable subscription = calibration.subscribe(snapshot -> {
            if (call.isCancelled()) {
                throw new IllegalStateException("cancelled"); // the calibration thread unsubscribes
            }
            if (call.isReady()) {
                call.onNext(CalibrationProtoCodec.statistics(snapshot, only, histograms));
            }
        }, interval);
        call.setOnCancelHandler(() -> {
            try {
                subscription.close();
            } catch (Exception ignored) {
                // removing from a list cannot fail
            }
        });
    }

    @Override
    public void getScales(GetScalesRequest request, StreamObserver<ScaleTable> observer) {
        run(observer, false, () -> {
            ModelCalibration c = directory.find(request.getModelName());
            return CompletableFuture.completedFuture(CalibrationProtoCodec.table(c.modelName(), c.activeTable()));
        });
    }

    @Override
    public void updateScales(UpdateScalesRequest request, StreamObserver<ScaleTable> observer) {
        run(observer, true, () -> {
            ModelCalibration c = directory.find(request.getModelName());
            return c.updateScales(request.getExpectedVersion(), CalibrationProtoCodec.entries(request.getEntriesMap()),
                    request.getReplaceAll()).thenApply(t -> CalibrationProtoCodec.table(c.modelName(), t));
        });
    }

    @Override
    public void rollback(RollbackRequest request, StreamObserver<ScaleTable> observer) {
        run(observer, true, () -> {
            ModelCalibration c = directory.find(request.getModelName());
            return c.rollback("requested by a client").thenApply(t -> CalibrationProtoCodec.table(c.modelName(), t));
        });
    }

    @Override
    public void getPolicy(GetPolicyRequest request, StreamObserver<Policy> observer) {
        run(observer, false, () -> {
            ModelCalibration c = directory.find(request.getModelName());
            return CompletableFuture.completedFuture(policy(c.modelName(), c.policy()));
        });
    }

    @Override
    public void setPolicy(SetPolicyRequest request, StreamObserver<Policy> observer) {
        run(observer, true, () -> {
            ModelCalibration c = directory.find(request.getModelName());
            CalibrationPolicy p = CalibrationPolicy.parse(request.getPolicy());
            return c.setPolicy(p).thenApply(set -> policy(c.modelName(), set));
        });
    }

    private static Policy policy(String model, CalibrationPolicy p) {
        return Policy.newBuilder().setModelName(model).setPolicy(p.wireName()).build();
    }

    private interface Call<T> {
        CompletableFuture<T> start();
    }

    private <T> void run(StreamObserver<T> observer, boolean write, Call<T> call) {
        CompletableFuture<T> f;
        try {
            if (write) {
                auth.check(AuthorizationInterceptor.AUTHORIZATION.get());
            }
            f = call.start();
        } catch (RuntimeException e) {
            observer.onError(ErrorStatus.grpcStatus(e).asRuntimeException());
            return;
        }
        f.whenComplete((value, error) -> {
            if (error != null) {
                observer.onError(ErrorStatus.grpcStatus(error).asRuntimeException());
            } else {
                observer.onNext(value);
                observer.onCompleted();
            }
        });
    }
}
