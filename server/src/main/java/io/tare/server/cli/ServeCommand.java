package io.tare.server.cli;

import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** {@code tare serve}: runs the server until interrupted. */
final class ServeCommand {
    static final String USAGE = """
            tare serve [--model-repository DIR] [--http-port N] [--grpc-port N] [--metrics-port N] [--host ADDR]
                       [--model-control-mode none|explicit|poll] [--load-model NAME]... [--admin-token-file FILE]
                       [--grpc-max-message-bytes N] [--http-max-body-bytes N] [--poll-interval-seconds N]
                       [--pin-threads true|false]
              Ports default to Triton's (8000 HTTP, 8001 gRPC, 8002 metrics); 0 picks a free port.
              Without --model-repository the bundled example repository is served.""";

    private static final Set<String> VALUED = Set.of("model-repository", "http-port", "grpc-port", "metrics-port",
            "host", "model-control-mode", "load-model", "admin-token-file", "grpc-max-message-bytes",
            "http-max-body-bytes", "poll-interval-seconds", "pin-threads");

    private ServeCommand() {
    }

    static int run(String[] args) throws InterruptedException {
        Flags flags = Flags.parse(args, 1, VALUED, Set.of());
        ServerOptions options = ServerOptions.defaults(repository(flags))
                .withHost(flags.get("host", ServerOptions.DEFAULT_HOST))
                .withPorts(flags.getInt("http-port", ServerOptions.DEFAULT_HTTP_PORT),
                        flags.getInt("grpc-port", ServerOptions.DEFAULT_GRPC_PORT),
                        flags.getInt("metrics-port", ServerOptions.DEFAULT_METRICS_PORT))
                .withControl(controlMode(flags.get("model-control-mode", "none")), flags.all("load-model"))
                .withAdminToken(adminToken(flags.get("admin-token-file", null)))
                .withLimits(flags.getInt("grpc-max-message-bytes", ServerOptions.defaults(Path.of(".")).grpcMaxMessageBytes()),
                        Long.parseLong(flags.get("http-max-body-bytes", String.valueOf(ServerOptions.DEFAULT_HTTP_MAX_BODY_BYTES))))
                .withPollInterval(Duration.ofSeconds(flags.getInt("poll-interval-seconds", 5)))
                .withPinThreads(Boolean.parseBoolean(flags.get("pin-threads", "true")));
        TareServer server = TareServer.start(options);
        System.out.printf("tare is serving %s%n  HTTP    %d%n  gRPC    %d%n  metrics %d%n",
                options.modelRepository(), server.httpPort(), server.grpcPort(), server.metricsPort());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    private static Path repository(Flags flags) {
        String given = flags.get("model-repository", null);
        if (given != null) {
            return Path.of(given);
        }
        String root = System.getProperty("tare.root.dir", ".");
        return Path.of(root, "models");
    }

    private static ControlMode controlMode(String value) {
        try {
            return ControlMode.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Flags.UsageException("--model-control-mode must be one of " + Arrays.toString(ControlMode.values())
                    .toLowerCase(Locale.ROOT) + ", not '" + value + "'");
        }
    }

    private static Optional<String> adminToken(String file) {
        if (file == null) {
            return Optional.empty();
        }
        try {
            String token = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
            if (token.isEmpty()) {
                throw new Flags.UsageException("--admin-token-file " + file + " is empty");
            }
            return Optional.of(token);
        } catch (IOException e) {
            throw new Flags.UsageException("cannot read --admin-token-file " + file + ": " + e.getMessage());
        }
    }
}
