package io.tare.server.frontend.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorSpec;
import io.tare.server.repository.ModelRepository;
import io.tare.server.repository.ServedModel;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * What a client may ask about models: metadata, readiness, configuration and statistics, each at
 * {@code /v2/models/{m}} and {@code /v2/models/{m}/versions/{v}}. All are lookups answered on the
 * event loop.
 */
final class ModelRoutes {
    private static final JsonFormat.Printer CONFIG_PRINTER = JsonFormat.printer().preservingProtoFieldNames()
            .alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();

    private final ModelRepository repository;

    private ModelRoutes(ModelRepository repository) {
        this.repository = repository;
    }

    static void register(Router router, ModelRepository repository) {
        ModelRoutes routes = new ModelRoutes(repository);
        // Before the per-model routes, which would take "stats" for a model name.
        router.get("/v2/models/stats").handler(routes::allStatistics);
        both(router, "", routes::metadata);
        both(router, "/ready", routes::ready);
        both(router, "/config", routes::config);
        both(router, "/stats", routes::statistics);
    }

    /** Registers a route with and without the {@code /versions/{v}} segment. */
    static void both(Router router, String suffix, Handler<RoutingContext> handler) {
        router.get("/v2/models/:model" + suffix).handler(handler);
        router.get("/v2/models/:model/versions/:version" + suffix).handler(handler);
    }

    static String version(RoutingContext ctx) {
        String version = ctx.pathParam("version");
        return version == null ? "" : version;
    }

    private void metadata(RoutingContext ctx) {
        answer(ctx, () -> {
            ServedModel model = repository.get(ctx.pathParam("model"), version(ctx));
            ModelSignature signature = model.signature();
            return new JsonObject()
                    .put("name", model.name())
                    .put("versions", new JsonArray(repository.versions(model.name())))
                    .put("platform", model.platform())
                    .put("inputs", tensors(signature, signature.inputs()))
                    .put("outputs", tensors(signature, signature.outputs()))
                    .encode();
        });
    }

    private static JsonArray tensors(ModelSignature signature, List<TensorSpec> specs) {
        JsonArray out = new JsonArray();
        for (TensorSpec spec : specs) {
            JsonArray shape = new JsonArray();
            for (long d : signature.clientShape(spec)) {
                shape.add(d);
            }
            out.add(new JsonObject().put("name", spec.name()).put("datatype", spec.datatype().wireName())
                    .put("shape", shape));
        }
        return out;
    }

    /** 200 without a body when ready; otherwise the lookup's error (4xx), which says why not. */
    private void ready(RoutingContext ctx) {
        try {
            repository.get(ctx.pathParam("model"), version(ctx));
            Replies.empty(ctx, 200);
        } catch (RuntimeException e) {
            Replies.error(ctx, e);
        }
    }

    private void config(RoutingContext ctx) {
        answer(ctx, () -> {
            ServedModel model = repository.get(ctx.pathParam("model"), version(ctx));
            try {
                return CONFIG_PRINTER.print(model.config());
            } catch (InvalidProtocolBufferException e) {
                throw new TareException(ErrorCode.INTERNAL, "cannot print the config of '" + model.name() + "': "
                        + e.getMessage(), e);
            }
        });
    }

    /** Without a version: every loaded version of the model, as Triton does. */
    private void statistics(RoutingContext ctx) {
        answer(ctx, () -> {
            String name = ctx.pathParam("model");
            String version = version(ctx);
            if (!version.isEmpty()) {
                return StatisticsJson.of(List.of(repository.get(name, version))).encode();
            }
            repository.get(name, ""); // NOT_FOUND, with the reason, for a model that is not loaded
            return StatisticsJson.of(repository.versions(name).stream().map(v -> repository.get(name, v)).toList())
                    .encode();
        });
    }

    private void allStatistics(RoutingContext ctx) {
        answer(ctx, () -> StatisticsJson.of(repository.loaded()).encode());
    }

    private static void answer(RoutingContext ctx, java.util.function.Supplier<String> json) {
        String body;
        try {
            body = json.get();
        } catch (RuntimeException e) {
            Replies.error(ctx, e);
            return;
        }
        Replies.json(ctx, 200, body);
    }
}
