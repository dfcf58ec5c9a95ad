package io.tare.server;

import io.tare.server.backend.BackendRegistry;
import io.tare.server.calibration.Calibratable;
import io.tare.server.calibration.CalibrationDirectory;
import io.tare.server.calibration.CalibrationMetrics;
import io.tare.server.repository.ServedModel;
import io.tare.server.calibration.ModelCalibration;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import io.tare.server.frontend.AdminAuth;
import io.tare.server.frontend.RepositoryAdmin;
import io.tare.server.frontend.grpc.GrpcFrontend;
import io.tare.server.frontend.http.HttpFrontend;
import io.tare.server.frontend.http.HttpOptions;
import io.tare.server.metrics.MetricsFrontend;
import io.tare.server.metrics.ServerMetrics;
import io.tare.server.repository.ControlMode;
import io.tare.server.repository.ModelRepository;
import io.tare.server.repository.RepositoryPoller;
import io.tare.server.scheduler.ComputeThreadPinning;
import io.tare.server.frontend.http.PollingNioTransport;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.logging.Logger;

/**
 * A running server: model repository, gRPC and HTTP frontends and the metrics endpoint. Closing it
 * stops the frontends first, then lets every model finish what it accepted.
 */
public final class TareServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TareServer.class.getName());

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final ModelRepository repository;
    private final ServerReadiness readiness;
    private final int httpPort;
    private final int grpcPort;
    private final int metricsPort;

    private TareServer(ServerOptions options) {
        try {
            ServerMetrics metrics = own(new ServerMetrics());
            repository = own(new ModelRepository(options.modelRepository(), BackendRegistry.discover(),
                    metrics.registry(), ComputeThreadPinning.create(options.pinThreads()), options.controlMode()));
            switch (options.controlMode()) {
                case NONE, POLL -> repository.loadAll();
                case EXPLICIT -> options.loadModels().forEach(repository::load);
            }
            if (options.controlMode() == ControlMode.POLL) {
                own(new RepositoryPoller(repository, options.modelRepository(), options.pollInterval()));
            }
            readiness = new ServerReadiness(repository);
            AdminAuth auth = new AdminAuth(options.adminToken());
            RepositoryAdmin admin = own(new RepositoryAdmin(repository, auth));
            // HTTP loops that poll after their work, as the gRPC ones: answers come back without a wake-up
            Vertx vertx = Vertx.builder().withTransport(PollingNioTransport.fromSystemProperties()).build();
            own(() -> vertx.close().await());
            CalibrationDirectory calibration = model -> calibrationOf(repository, model);
            own(new CalibrationMetrics(metrics.registry(), () -> repository.loaded().stream()
                    .map(ServedModel::backendModel).filter(m -> m instanceof Calibratable)
                    .map(m -> ((Calibratable) m).calibrationIfOn()).filter(java.util.Objects::nonNull).toList()));
            // ServerReady runs on a gRPC event loop: it reads the published flag, never the folder
            GrpcFrontend grpc = own(new GrpcFrontend(options.host(), options.grpcPort(), options.grpcMaxMessageBytes(),
                    repository, admin, readiness::published, calibration, auth));
            grpcPort = grpc.start();
            HttpFrontend http = own(new HttpFrontend(vertx, repository, admin,
                    new HttpOptions(options.host(), options.httpPort(), options.httpMaxBodyBytes()), calibration, auth));
            httpPort = http.start();
            MetricsFrontend metricsFrontend = own(new MetricsFrontend(vertx, options.host(), options.metricsPort(), metrics));
            metricsPort = metricsFrontend.start();
            // gRPC health and HTTP hold a flag rather than asking; owned last, so it stops first on close
            own(readiness.publish(List.of(grpc::setServing, http::setServing), ServerReadiness.DEFAULT_PUBLISH_INTERVAL));
            readiness.markStarted();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("tare serving " + options.modelRepository() + ": HTTP " + httpPort + ", gRPC " + grpcPort
                + ", metrics " + metricsPort + " (models: " + repository.index(true).stream()
                .map(s -> s.name() + "/" + s.version()).toList() + ")");
    }

    /** The calibration of the newest loaded version of {@code model}. */
    private static ModelCalibration calibrationOf(ModelRepository repository, String model) {
        if (!(repository.get(model, "").backendModel() instanceof Calibratable c)) {
            throw new TareException(ErrorCode.UNSUPPORTED, "model '" + model + "' is not served by a backend that "
                    + "calibrates online (use backend \"tare\")");
        }
        return c.calibration();
    }

    public static TareServer start(ServerOptions options) {
        return new TareServer(options);
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.push(resource);
        return resource;
    }

    public ModelRepository repository() {
        return repository;
    }

    public int httpPort() {
        return httpPort;
    }

    public int grpcPort() {
        return grpcPort;
    }

    public int metricsPort() {
        return metricsPort;
    }

    /** Whether the server is ready for inference now (what {@code /v2/health/ready} answers). */
    public boolean ready() {
        return readiness != null && readiness.ready();
    }

    /**
     * Reports not ready at once (so load balancers drain), then stops the frontends and lets every
     * model finish what it accepted.
     */
    @Override
    public void close() {
        if (readiness != null) {
            readiness.markStopping();
        }
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                LOG.warning("while stopping: " + e);
            }
        }
    }

}
