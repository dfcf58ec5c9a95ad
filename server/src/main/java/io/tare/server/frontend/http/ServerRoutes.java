package io.tare.server.frontend.http;

import io.tare.server.frontend.ServerInfo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.function.BooleanSupplier;

/** Server health ({@code /v2/health/live|ready}) and server metadata ({@code GET /v2}). */
final class ServerRoutes {
    private static final String METADATA = new JsonObject()
            .put("name", ServerInfo.NAME)
            .put("version", ServerInfo.VERSION)
            .put("extensions", new JsonArray(ServerInfo.EXTENSIONS))
            .encode();

    private ServerRoutes() {
    }

    /**
     * @param live  whether the server process is up and answering
     * @param ready whether it accepts inference requests (false while starting or draining)
     */
    static void register(Router router, BooleanSupplier live, BooleanSupplier ready) {
        router.get("/v2/health/live").handler(ctx -> Replies.empty(ctx, live.getAsBoolean() ? 200 : 503));
        router.get("/v2/health/ready").handler(ctx -> Replies.empty(ctx, ready.getAsBoolean() ? 200 : 503));
        router.get("/v2").handler(ctx -> Replies.json(ctx, 200, METADATA));
    }
}
