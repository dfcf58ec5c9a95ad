package io.tare.client.cli;

import com.google.protobuf.Message;
import io.tare.client.InferInput;
import io.tare.client.InferOptions;
import io.tare.client.InferResult;
import io.tare.client.TareClient;
import io.tare.client.TareClientOptions;
import io.tare.client.http.TareHttpClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The server a command talks to, over gRPC ({@link TareClient}) or HTTP ({@link TareHttpClient}), so the
 * commands are written once for both protocols.
 */
final class Endpoint implements AutoCloseable {
    static final String DEFAULT_GRPC = "localhost:8001";
    static final String DEFAULT_HTTP = "localhost:8000";
    /** Options every command that talks to a server accepts. */
    static final Set<String> VALUE_OPTIONS = Set.of("url", "timeout", "protocol", "token-file");
    static final Set<String> FLAG_OPTIONS = Set.of("http", "tls");

    private final TareClient grpc;
    private final TareHttpClient http;
    private final String address;
    private final TareClientOptions options;

    private Endpoint(TareClient grpc, TareHttpClient http, String address, TareClientOptions options) {
        this.grpc = grpc;
        this.http = http;
        this.address = address;
        this.options = options;
    }

    /**
     * Opens the endpoint named by {@code --url}, {@code --http} / {@code --protocol grpc|http},
     * {@code --timeout} (seconds) and {@code --tls}.
     */
    static Endpoint open(CliArgs args) throws UsageException {
        return open(args, false);
    }

    /**
     * @param transportCallbacks complete gRPC futures on transport threads (see
     *                           {@link TareClientOptions#transportCallbacks()}); only for callbacks that never block
     */
    static Endpoint open(CliArgs args, boolean transportCallbacks) throws UsageException {
        boolean useHttp = usesHttp(args);
        TareClientOptions options = TareClientOptions.DEFAULT
                .withDeadline(args.seconds("timeout", TareClientOptions.DEFAULT_DEADLINE, false))
                .withTls(args.flag("tls"))
                .withTransportCallbacks(transportCallbacks)
                .withBearerToken(token(args));
        String address = args.get("url", useHttp ? DEFAULT_HTTP : DEFAULT_GRPC);
        try {
            return useHttp
                    ? new Endpoint(null, TareHttpClient.connect(address, options), address, options)
                    : new Endpoint(TareClient.connect(address, options), null, address, options);
        } catch (IllegalArgumentException e) {
            throw new UsageException("bad --url '" + address + "' or options: " + e.getMessage());
        }
    }

    /** The admin token from {@code --token-file} (first line, trimmed), or null. */
    private static String token(CliArgs args) throws UsageException {
        if (!args.has("token-file")) {
            return null;
        }
        Path file = Path.of(args.get("token-file", ""));
        try {
            String token = Files.readString(file).lines().findFirst().orElse("").strip();
            if (token.isEmpty()) {
                throw new UsageException("--token-file " + file + " is empty");
            }
            return token;
        } catch (IOException e) {
            throw new UsageException("cannot read --token-file " + file + ": " + e.getMessage());
        }
    }

    static boolean usesHttp(CliArgs args) throws UsageException {
        String protocol = args.get("protocol", args.flag("http") ? "http" : "grpc");
        return switch (protocol) {
            case "grpc" -> {
                if (args.flag("http")) {
                    throw new UsageException("--http contradicts --protocol grpc");
                }
                yield false;
            }
            case "http" -> true;
            default -> throw new UsageException("--protocol is grpc or http, got '" + protocol + "'");
        };
    }

    boolean isHttp() {
        return http != null;
    }

    String address() {
        return address;
    }

    /** The gRPC client; only for gRPC endpoints (streaming, model config). */
    TareClient grpc() {
        return grpc;
    }

    Duration deadline() {
        return options.deadline();
    }

    boolean live() {
        return isHttp() ? http.live() : grpc.live();
    }

    boolean ready() {
        return isHttp() ? http.ready() : grpc.ready();
    }

    boolean modelReady(String model) {
        return isHttp() ? http.modelReady(model) : grpc.modelReady(model);
    }

    Message serverMetadata() {
        return isHttp() ? http.serverMetadata() : grpc.serverMetadata();
    }

    Message modelMetadata(String model) {
        return isHttp() ? http.modelMetadata(model) : grpc.modelMetadata(model);
    }

    void loadModel(String model) {
        if (isHttp()) {
            http.loadModel(model);
        } else {
            grpc.loadModel(model);
        }
    }

    void unloadModel(String model) {
        if (isHttp()) {
            http.unloadModel(model);
        } else {
            grpc.unloadModel(model);
        }
    }

    InferResult infer(String model, List<InferInput> inputs, InferOptions options) {
        return isHttp() ? http.infer(model, inputs, options) : grpc.infer(model, inputs, options);
    }

    CompletableFuture<InferResult> inferAsync(String model, List<InferInput> inputs, InferOptions options) {
        return isHttp() ? http.inferAsync(model, inputs, options) : grpc.inferAsync(model, inputs, options);
    }

    @Override
    public void close() {
        if (isHttp()) {
            http.close();
        } else {
            grpc.close();
        }
    }
}
