package io.tare.server;

import io.tare.server.frontend.grpc.GrpcFrontend;
import io.tare.server.repository.ControlMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How {@link TareServer} starts. Ports of 0 mean "any free port" (the chosen ones are logged and
 * available from the server).
 *
 * @param loadModels    for {@link ControlMode#EXPLICIT}: models to load at start
 * @param adminToken    bearer token required on write paths, if any
 * @param pinThreads    pin each model instance's compute thread to its own CPU
 */
public record ServerOptions(Path modelRepository, String host, int httpPort, int grpcPort, int metricsPort,
                            ControlMode controlMode, List<String> loadModels, Optional<String> adminToken,
                            int grpcMaxMessageBytes, long httpMaxBodyBytes, Duration pollInterval,
                            boolean pinThreads) {
    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_HTTP_PORT = 8000;
    public static final int DEFAULT_GRPC_PORT = 8001;
    public static final int DEFAULT_METRICS_PORT = 8002;
    public static final long DEFAULT_HTTP_MAX_BODY_BYTES = 64L * 1024 * 1024;
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);

    public ServerOptions {
        loadModels = List.copyOf(loadModels);
    }

    /** Defaults for a repository: Triton's ports, control mode none, threads pinned. */
    public static ServerOptions defaults(Path modelRepository) {
        return new ServerOptions(modelRepository, DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_GRPC_PORT,
                DEFAULT_METRICS_PORT, ControlMode.NONE, List.of(), Optional.empty(),
                GrpcFrontend.DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_HTTP_MAX_BODY_BYTES, DEFAULT_POLL_INTERVAL, true);
    }

    public ServerOptions withPorts(int http, int grpc, int metrics) {
        return new ServerOptions(modelRepository, host, http, grpc, metrics, controlMode, loadModels, adminToken,
                grpcMaxMessageBytes, httpMaxBodyBytes, pollInterval, pinThreads);
    }

    public ServerOptions withControl(ControlMode mode, List<String> load) {
        return new ServerOptions(modelRepository, host, httpPort, grpcPort, metricsPort, mode, load, adminToken,
                grpcMaxMessageBytes, httpMaxBodyBytes, pollInterval, pinThreads);
    }

    public ServerOptions withAdminToken(Optional<String> token) {
        return new ServerOptions(modelRepository, host, httpPort, grpcPort, metricsPort, controlMode, loadModels, token,
                grpcMaxMessageBytes, httpMaxBodyBytes, pollInterval, pinThreads);
    }

    public ServerOptions withHost(String newHost) {
        return new ServerOptions(modelRepository, newHost, httpPort, grpcPort, metricsPort, controlMode, loadModels,
                adminToken, grpcMaxMessageBytes, httpMaxBodyBytes, pollInterval, pinThreads);
    }

    public ServerOptions withLimits(int grpcMaxMessage, long httpMaxBody) {
        return new ServerOptions(modelRepository, host, httpPort, grpcPort, metricsPort, controlMode, loadModels,
                adminToken, grpcMaxMessage, httpMaxBody, pollInterval, pinThreads);
    }

    public ServerOptions withPinThreads(boolean pin) {
        return new ServerOptions(modelRepository, host, httpPort, grpcPort, metricsPort, controlMode, loadModels,
                adminToken, grpcMaxMessageBytes, httpMaxBodyBytes, pollInterval, pin);
    }

    public ServerOptions withPollInterval(Duration interval) {
        return new ServerOptions(modelRepository, host, httpPort, grpcPort, metricsPort, controlMode, loadModels,
                adminToken, grpcMaxMessageBytes, httpMaxBodyBytes, interval, pinThreads);
    }
}
