package io.tare.server.frontend.http;

import io.tare.server.core.TareException;
import io.tare.server.frontend.ErrorStatus;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes the frontend's responses: JSON bodies, empty health answers and {@code {"error": ...}}.
 * Call on the request's event loop. A client that hung up before its answer is simply skipped.
 */
final class Replies {
    static final String APPLICATION_JSON = "application/json";

    private Replies() {
    }

    static void json(RoutingContext ctx, int status, String json) {
        json(ctx, status, Buffer.buffer(json));
    }

    static void json(RoutingContext ctx, int status, Buffer json) {
        json(ctx.response(), status, json);
    }

    static void json(HttpServerResponse response, int status, Buffer json) {
        if (response.closed() || response.ended()) {
            return;
        }
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(json);
    }

    /** Health answers carry no body, as Triton's do: the status is the answer. */
    static void empty(RoutingContext ctx, int status) {
        HttpServerResponse response = ctx.response();
        if (response.closed() || response.ended()) {
            return;
        }
        response.setStatusCode(status).end();
    }

    /** Any failure: a TareException keeps its code's status; anything else is a 500. */
    static void error(RoutingContext ctx, Throwable failure) {
        error(ctx.response(), failure);
    }

    static void error(HttpServerResponse response, Throwable failure) {
        TareException e = ErrorStatus.toTare(failure);
        error(response, ErrorStatus.httpStatus(e.code()), e.getMessage());
    }

    /** For statuses that are HTTP's own (413, 415, 404 for an unknown path) rather than an error code's. */
    static void error(RoutingContext ctx, int status, String message) {
        error(ctx.response(), status, message);
    }

    static void error(HttpServerResponse response, int status, String message) {
        json(response, status, Buffer.buffer(new JsonObject().put("error", message).encode()));
    }

    /** 413 for a body over the server's limit, from the router's BodyHandler or the infer endpoint's own reader. */
    static void bodyTooLarge(HttpServerResponse response, long maxBodyBytes) {
        error(response, 413, "the request body exceeds this server's limit of " + maxBodyBytes + " bytes");
    }
}
