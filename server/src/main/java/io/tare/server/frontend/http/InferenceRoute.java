package io.tare.server.frontend.http;

import io.tare.server.core.InferenceResponse;
import io.tare.server.core.TareException;
import io.tare.server.repository.ModelRepository;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v2/models/{m}[/versions/{v}]/infer}. On the event loop it only decodes, enqueues
 * and, when the model's future completes on a compute thread, hops back to the request's context
 * to encode and write the answer.
 */
final class InferenceRoute {
    /** Triton's binary tensor extension: the body's first N bytes are JSON, the rest raw tensors. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    static final String OCTET_STREAM = "application/octet-stream";

    private final ModelRepository repository;

    private InferenceRoute(ModelRepository repository) {
        this.repository = repository;
    }

    static void register(Router router, BodyHandler bodies, ModelRepository repository) {
        InferenceRoute route = new InferenceRoute(repository);
        router.post("/v2/models/:model/infer").handler(bodies).handler(route::infer);
        router.post("/v2/models/:model/versions/:version/infer").handler(bodies).handler(route::infer);
    }

    private void infer(RoutingContext ctx) {
        CompletableFuture<InferenceResponse> result;
        OutputFormat format;
        try {
            Buffer buffer = ctx.body().buffer();
            // The body as an array, for the JSON parser; the decoder copies binary tensors out once.
            byte[] body = buffer == null ? new byte[0] : buffer.getBytes();
            String headerLengthValue = ctx.request().getHeader(HEADER_LENGTH);
            int headerLength;
            // Without the binary extension's header the whole body is JSON, whatever Content-Type says:
            // Triton does the same, and `curl -d` (the protocol's own examples) sends form-urlencoded.
            // A body that is not JSON gets the parser's 400, which names what is wrong.
            if (headerLengthValue != null) {
                headerLength = headerLength(headerLengthValue, body.length);
            } else {
                headerLength = body.length;
            }
            DecodedInference decoded = InferRequestDecoder.decode(ctx.pathParam("model"), ModelRoutes.version(ctx),
                    body, headerLength, headerLengthValue != null);
            format = decoded.outputFormat();
            result = repository.infer(decoded.request());
        } catch (RuntimeException e) {
            Replies.error(ctx, e);
            return;
        }
        Future.fromCompletionStage(result, ctx.vertx().getOrCreateContext()).onComplete(ar -> {
            if (ar.failed()) {
                Replies.error(ctx, ar.cause());
                return;
            }
            write(ctx, ar.result(), format);
        });
    }

    private static void write(RoutingContext ctx, InferenceResponse response, OutputFormat format) {
        InferResponseEncoder.Encoded encoded;
        try {
            encoded = InferResponseEncoder.encode(response, format);
        } catch (RuntimeException e) {
            Replies.error(ctx, e);
            return;
        }
        if (!encoded.hasBinary()) {
            Replies.json(ctx, 200, encoded.body());
            return;
        }
        HttpServerResponse http = ctx.response();
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
