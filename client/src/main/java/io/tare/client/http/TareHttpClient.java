package io.tare.client.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import io.tare.client.InferInput;
import io.tare.client.InferOptions;
import io.tare.client.InferResult;
import io.tare.client.TareClientException;
import io.tare.client.TareClientOptions;
import io.tare.proto.inference.ModelMetadataResponse;
import io.tare.proto.inference.ServerMetadataResponse;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A KServe v2 REST client over {@code java.net.http}: health, metadata and inference, with tensors in the
 * binary extension by default (JSON arrays when {@link InferOptions#binaryData()} is false).
 *
 * <p>Metadata comes back as the same protobuf messages {@link io.tare.client.TareClient} returns, parsed
 * from the REST JSON. Failures are {@link TareClientException}s: HTTP statuses mapped to gRPC codes, an
 * unreachable server as UNAVAILABLE, a timeout as DEADLINE_EXCEEDED. Thread-safe; HTTP/1.1, one pooled
 * connection per concurrent request.
 */
public final class TareHttpClient implements AutoCloseable {
    private final HttpClient http;
    private final URI base;
    private final TareClientOptions options;

    private TareHttpClient(URI base, TareClientOptions options) {
        this.base = base;
        this.options = options;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.deadline());
        if (options.transportCallbacks()) {
            // Completions run on the client's selector thread instead of hopping to a pool thread
            // per response: a load generator's callbacks only record and send the next request.
            builder.executor(Runnable::run);
        }
        this.http = builder.build();
    }

    /** Connects to "host:port" (or a full "http://host:port" URL) with default options. */
    public static TareHttpClient connect(String address) {
        return connect(address, TareClientOptions.DEFAULT);
    }

    /** Connects to "host:port" or a full URL; without a scheme, http (https when {@code options.tls()}). */
    public static TareHttpClient connect(String address, TareClientOptions options) {
        String url = address.contains("://") ? address : (options.tls() ? "https://" : "http://") + address;
        return new TareHttpClient(URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url), options);
    }

    public boolean live() {
        return send(get("/v2/health/live")).statusCode() == 200;
    }

    public boolean ready() {
        return send(get("/v2/health/ready")).statusCode() == 200;
    }

    /** Whether {@code model} is ready; false when the server says it is not or does not know it. */
    public boolean modelReady(String model) {
        return send(get(modelPath(model, "") + "/ready")).statusCode() == 200;
    }

    public ServerMetadataResponse serverMetadata() {
        return parse(ok(send(get("/v2"))), ServerMetadataResponse.newBuilder());
    }

    public ModelMetadataResponse modelMetadata(String model) {
        return parse(ok(send(get(modelPath(model, "")))), ModelMetadataResponse.newBuilder());
    }

    /** Loads (or reloads) {@code model} from the repository (Triton's repository extension). */
    public void loadModel(String model) {
        ok(send(post("/v2/repository/models/" + segment(model) + "/load")));
    }

    /** Unloads {@code model}. */
    public void unloadModel(String model) {
        ok(send(post("/v2/repository/models/" + segment(model) + "/unload")));
    }

    public InferResult infer(String model, List<InferInput> inputs) {
        return infer(model, inputs, InferOptions.DEFAULT);
    }

    /**
     * Runs one inference, waiting for the result.
     *
     * @throws TareClientException with the server's status and message
     */
    public InferResult infer(String model, List<InferInput> inputs, InferOptions inferOptions) {
        HttpResponse<byte[]> response = send(inferRequest(model, inputs, inferOptions));
        return decode(ok(response));
    }

    public CompletableFuture<InferResult> inferAsync(String model, List<InferInput> inputs) {
        return inferAsync(model, inputs, InferOptions.DEFAULT);
    }

    /** Starts one inference; the future fails with a {@link TareClientException}. */
    public CompletableFuture<InferResult> inferAsync(String model, List<InferInput> inputs,
                                                     InferOptions inferOptions) {
        HttpRequest request = inferRequest(model, inputs, inferOptions);
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, failure) -> {
                    if (failure != null) {
                        throw mapFailure(failure instanceof CompletionException ? failure.getCause() : failure);
                    }
                    return decode(ok(response));
                });
    }

    @Override
    public void close() {
        http.close();
    }

    private HttpRequest inferRequest(String model, List<InferInput> inputs, InferOptions inferOptions) {
        HttpInferCodec.Body body = HttpInferCodec.encodeRequest(inputs, inferOptions);
        HttpRequest.Builder request = request(modelPath(model, inferOptions.modelVersion()) + "/infer")
                .timeout(inferOptions.timeout() != null ? inferOptions.timeout() : options.deadline())
                .header("Content-Type", body.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        body.jsonHeaderLength().ifPresent(length -> request.header(HttpInferCodec.HEADER_LENGTH,
                Integer.toString(length)));
        return request.build();
    }

    private static InferResult decode(HttpResponse<byte[]> response) {
        OptionalInt headerLength = response.headers().firstValue(HttpInferCodec.HEADER_LENGTH)
                .map(value -> OptionalInt.of(Integer.parseInt(value.trim())))
                .orElse(OptionalInt.empty());
        try {
            return HttpInferCodec.decodeResponse(response.body(), headerLength);
        } catch (IllegalArgumentException e) {
            throw new TareClientException(Status.Code.INTERNAL, "undecodable response: " + e.getMessage(),
                    response.statusCode(), e);
        }
    }

    private HttpRequest get(String path) {
        return request(path).GET().build();
    }

    private HttpRequest post(String path) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(base.getPath() + path)).timeout(options.deadline());
        String authorization = options.authorizationHeader();
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    private static String modelPath(String model, String version) {
        String path = "/v2/models/" + segment(model);
        return version.isEmpty() ? path : path + "/versions/" + segment(version);
    }

    private static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw mapFailure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TareClientException(Status.Code.CANCELLED, "interrupted", 0, e);
        }
    }

    private static HttpResponse<byte[]> ok(HttpResponse<byte[]> response) {
        if (response.statusCode() / 100 != 2) {
            throw TareClientException.fromHttp(response.statusCode(), HttpInferCodec.errorMessage(response.body()));
        }
        return response;
    }

    private static TareClientException mapFailure(Throwable failure) {
        if (failure instanceof TareClientException known) {
            return known;
        }
        if (failure instanceof HttpTimeoutException) {
            return new TareClientException(Status.Code.DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED: " + failure.getMessage(),
                    0, failure);
        }
        if (failure instanceof ConnectException || failure instanceof IOException) {
            return new TareClientException(Status.Code.UNAVAILABLE, "UNAVAILABLE: " + failure, 0, failure);
        }
        return new TareClientException(Status.Code.INTERNAL, "INTERNAL: " + failure, 0, failure);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Message> T parse(HttpResponse<byte[]> response, Message.Builder builder) {
        try {
            JsonFormat.parser().ignoringUnknownFields()
                    .merge(new String(response.body(), StandardCharsets.UTF_8), builder);
        } catch (InvalidProtocolBufferException e) {
            throw new TareClientException(Status.Code.INTERNAL, "undecodable metadata: " + e.getMessage(),
                    response.statusCode(), e);
        }
        return (T) builder.build();
    }
}
