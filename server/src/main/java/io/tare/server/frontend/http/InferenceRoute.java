package io.tare.server.frontend.http;

import io.tare.server.core.InferenceResponse;
import io.tare.server.core.TareException;
import io.tare.server.repository.ModelRepository;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v2/models/{m}[/versions/{v}]/infer}. On the event loop it only decodes, enqueues
 * and, when the model's future completes on a compute thread, hops back to the request's context
 * to encode and write the answer.
 *
 * <p>The hot path bypasses vertx-web: {@link HttpFrontend} offers every request to {@link #handle}
 * first, which takes plain infer paths itself (a string test, no route list walked with regular
 * expressions, no routing context, the body read by {@link BodyCollector} into the one array the
 * JSON parser reads). Paths that need decoding or normalizing ({@code %}-escapes, {@code .}
 * segments, a trailing slash) are left to the router's routes for the same endpoint, so both
 * answer alike; measured on the fmnist CNN at concurrency 64, the router and BodyHandler were about
 * a quarter of the HTTP event loop's samples.
 */
final class InferenceRoute {
    /** Triton's binary tensor extension: the body's first N bytes are JSON, the rest raw tensors. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    static final String OCTET_STREAM = "application/octet-stream";
    private static final String MODELS = "/v2/models/";
    private static final String VERSIONS = "/versions/";
    private static final String INFER = "/infer";

    private final ModelRepository repository;
    private final long maxBodyBytes;

    private InferenceRoute(ModelRepository repository, long maxBodyBytes) {
        this.repository = repository;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Registers the router's routes (for the paths {@link #handle} leaves) and returns the direct handler. */
    static InferenceRoute register(Router router, BodyHandler bodies, ModelRepository repository, long maxBodyBytes) {
        InferenceRoute route = new InferenceRoute(repository, maxBodyBytes);
        router.post("/v2/models/:model/infer").handler(bodies).handler(route::infer);
        router.post("/v2/models/:model/versions/:version/infer").handler(bodies).handler(route::infer);
        return route;
    }

    /**
     * Serves {@code request} when it is a POST to a plain infer path; returns false, having touched
     * nothing, for anything else (the router's).
     */
    boolean handle(HttpServerRequest request) {
        if (request.method() != HttpMethod.POST) {
            return false;
        }
        Target target = target(request.path());
        if (target == null) {
            return false;
        }
        HttpServerResponse response = request.response();
        String headerLengthValue = request.getHeader(HEADER_LENGTH);
        Context context = Vertx.currentContext();
        BodyCollector.read(request, maxBodyBytes,
                body -> infer(response, context, target.model, target.version, headerLengthValue, body),
                () -> Replies.bodyTooLarge(response, maxBodyBytes));
        return true;
    }

    /** The model and version of a plain infer path, or null when the path needs the router. */
    static Target target(String path) {
        if (path == null || !path.startsWith(MODELS) || !path.endsWith(INFER)
                || path.length() <= MODELS.length() + INFER.length() || path.indexOf('%') >= 0) {
            return null;
        }
        String middle = path.substring(MODELS.length(), path.length() - INFER.length());
        int slash = middle.indexOf('/');
        if (slash < 0) {
            return plainSegment(middle) ? new Target(middle, "") : null;
        }
        String model = middle.substring(0, slash);
        String rest = middle.substring(slash);
        if (!rest.startsWith(VERSIONS)) {
            return null;
        }
        String version = rest.substring(VERSIONS.length());
        return plainSegment(model) && plainSegment(version) && version.indexOf('/') < 0 ? new Target(model, version) : null;
    }

    private static boolean plainSegment(String segment) {
        return !segment.isEmpty() && !segment.equals(".") && !segment.equals("..");
    }

    record Target(String model, String version) {
    }

    /** The router's way in, for paths {@link #handle} left to it; BodyHandler has read the body. */
    private void infer(RoutingContext ctx) {
        Buffer buffer = ctx.body().buffer();
        infer(ctx.response(), ctx.vertx().getOrCreateContext(), ctx.pathParam("model"), ModelRoutes.version(ctx),
                ctx.request().getHeader(HEADER_LENGTH), buffer == null ? new byte[0] : buffer.getBytes());
    }

    private void infer(HttpServerResponse response, Context context, String model, String version,
                       String headerLengthValue, byte[] body) {
        CompletableFuture<InferenceResponse> result;
        OutputFormat format;
        try {
            int headerLength;
            // Without the binary extension's header the whole body is JSON, whatever Content-Type says:
            // Triton does the same, and `curl -d` (the protocol's own examples) sends form-urlencoded.
            // A body that is not JSON gets the parser's 400, which names what is wrong.
            if (headerLengthValue != null) {
                headerLength = headerLength(headerLengthValue, body.length);
            } else {
                headerLength = body.length;
            }
            DecodedInference decoded = InferRequestDecoder.decode(model, version, body, headerLength,
                    headerLengthValue != null);
            format = decoded.outputFormat();
            result = repository.infer(decoded.request());
        } catch (RuntimeException e) {
            Replies.error(response, e);
            return;
        }
        // Completed on a compute thread: encode and write on the request's own event loop.
        result.whenComplete((answer, failure) -> context.runOnContext(v -> {
            if (failure != null) {
                Replies.error(response, failure); // unwraps the future's CompletionException
            } else {
                write(response, answer, format);
            }
        }));
    }

    private static void write(HttpServerResponse http, InferenceResponse response, OutputFormat format) {
        InferResponseEncoder.Encoded encoded;
        try {
            encoded = InferResponseEncoder.encode(response, format);
        } catch (RuntimeException e) {
            Replies.error(http, e);
            return;
        }
        if (!encoded.hasBinary()) {
            Replies.json(http, 200, encoded.body());
            return;
        }
        if (http.closed() || http.ended()) {
            return;
        }
        http.setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, OCTET_STREAM)
                .putHeader(HEADER_LENGTH, Integer.toString(encoded.headerLength()))
                .end(encoded.body());
    }

    private static int headerLength(String value, int bodyLength) {
        int length;
        try {
            length = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw TareException.invalid(HEADER_LENGTH + " must be a byte count, found '" + value + "'");
        }
        if (length < 0) {
            throw TareException.invalid(HEADER_LENGTH + " must not be negative, found " + length);
        }
        if (length > bodyLength) {
            throw TareException.invalid(HEADER_LENGTH + " is " + length + " but the body has only " + bodyLength
                    + " bytes (truncated request?)");
        }
        return length;
    }
}
