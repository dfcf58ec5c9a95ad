package io.tare.server.frontend.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import io.tare.server.frontend.RepositoryAdmin;
import io.tare.server.repository.ModelRepository;
import io.tare.server.repository.ModelState;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * The model repository extension: {@code POST /v2/repository/index} and
 * {@code POST /v2/repository/models/{m}/load|unload}.
 *
 * <p>Load and unload read files and build sessions, so they run on {@link RepositoryAdmin}'s own
 * worker thread (which also checks the admin token and the control mode); the answer is written
 * back on the request's event loop when that work is done.
 */
final class RepositoryRoutes {
    private final ModelRepository repository;
    private final RepositoryAdmin admin;

    private RepositoryRoutes(ModelRepository repository, RepositoryAdmin admin) {
        this.repository = repository;
        this.admin = admin;
    }

    static void register(Router router, BodyHandler bodies, ModelRepository repository, RepositoryAdmin admin) {
        RepositoryRoutes routes = new RepositoryRoutes(repository, admin);
        router.post("/v2/repository/index").handler(bodies).handler(routes::index);
        router.post("/v2/repository/models/:model/load").handler(bodies).handler(ctx -> routes.manage(ctx, true));
        router.post("/v2/repository/models/:model/unload").handler(bodies).handler(ctx -> routes.manage(ctx, false));
    }

    private void index(RoutingContext ctx) {
        JsonArray out = new JsonArray();
        try {
            boolean readyOnly = readyFlag(bodyBytes(ctx));
            for (ModelState s : repository.index(readyOnly)) {
                // Triton leaves out an empty version or reason.
                JsonObject entry = new JsonObject().put("name", s.name());
                if (!s.version().isEmpty()) {
                    entry.put("version", s.version());
                }
                entry.put("state", s.state());
                if (!s.reason().isEmpty()) {
                    entry.put("reason", s.reason());
                }
                out.add(entry);
            }
        } catch (RuntimeException e) {
            Replies.error(ctx, e);
            return;
        }
        Replies.json(ctx, 200, out.encode());
    }

    private void manage(RoutingContext ctx, boolean load) {
        String model = ctx.pathParam("model");
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        CompletableFuture<Void> done;
        try {
            rejectLoadParameters(bodyBytes(ctx));
            done = load ? admin.load(model, authorization) : admin.unload(model, authorization);
        } catch (RuntimeException e) {
            Replies.error(ctx, e);
            return;
        }
        Future.fromCompletionStage(done, ctx.vertx().getOrCreateContext()).onComplete(ar -> {
            if (ar.succeeded()) {
                Replies.json(ctx, 200, "{}");
            } else {
                Replies.error(ctx, ar.cause());
            }
        });
    }

    private static byte[] bodyBytes(RoutingContext ctx) {
        Buffer body = ctx.body().buffer();
        return body == null ? new byte[0] : body.getBytes();
    }

    /** The optional {@code {"ready": bool}} of an index request; an empty body means false. */
    private static boolean readyFlag(byte[] body) {
        boolean ready = false;
        if (isBlank(body)) {
            return ready;
        }
        try (JsonParser p = BoundedJson.open(body, 0, body.length)) {
            BoundedJson.expect(p, JsonToken.START_OBJECT, "the index request");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("ready")) {
                    if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                        throw TareException.invalid("'ready' must be true or false, found " + BoundedJson.describe(t));
                    }
                    ready = t == JsonToken.VALUE_TRUE;
                } else {
                    p.skipChildren();
                }
            }
            BoundedJson.requireEnd(p);
        } catch (IOException e) {
            throw BoundedJson.invalid(e);
        }
        return ready;
    }

    /**
     * Triton's load request may carry a config override or model files in {@code parameters}; Tare
     * loads only what is in the repository, and says so rather than ignore them.
     */
    private static void rejectLoadParameters(byte[] body) {
        if (isBlank(body)) {
            return;
        }
        try (JsonParser p = BoundedJson.open(body, 0, body.length)) {
            BoundedJson.expect(p, JsonToken.START_OBJECT, "the load request");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("parameters") && t == JsonToken.START_OBJECT
                        && p.nextToken() != JsonToken.END_OBJECT) {
                    throw new TareException(ErrorCode.UNSUPPORTED, "load parameters (config override, model files) are "
                            + "not supported: put the model and its config.pbtxt in the repository");
                }
                p.skipChildren();
            }
            BoundedJson.requireEnd(p);
        } catch (IOException e) {
            throw BoundedJson.invalid(e);
        }
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }
}
