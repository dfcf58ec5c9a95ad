package io.tare.server.frontend.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.tare.proto.calibration.Policy;
import io.tare.proto.calibration.UpdateScalesRequest;
import io.tare.server.calibration.CalibrationDirectory;
import io.tare.server.calibration.CalibrationPolicy;
import io.tare.server.calibration.ModelCalibration;
import io.tare.server.core.TareException;
import io.tare.server.frontend.AdminAuth;
import io.tare.server.frontend.grpc.CalibrationProtoCodec;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Online calibration over HTTP, the same data and calls as tare.calibration.v1 in the same JSON the
 * protobuf JSON mapping gives (proto field names):
 * <pre>
 * GET  /v2/models/{m}/calibration/stream?interval_ms=&amp;tensors=a,b&amp;histograms=false&amp;max_events=  Server-Sent Events
 * GET  /v2/models/{m}/calibration             one statistics message
 * GET  /v2/models/{m}/calibration/scales      the active table
 * POST /v2/models/{m}/calibration/scales      {"expected_version": n, "entries": {...}, "replace_all": false}  admin
 * POST /v2/models/{m}/calibration/rollback    admin
 * GET  /v2/models/{m}/calibration/policy
 * POST /v2/models/{m}/calibration/policy      {"policy": "auto"}  admin
 * GET  /calibration/{m}                        the live page
 * </pre>
 * Handlers hand work to the model's calibration thread and write its answer back on the request's
 * context; statistics are encoded to JSON on the calibration thread, so the event loop only writes.
 * An SSE client that reads too slowly misses messages (the next one supersedes them) rather than
 * growing a queue.
 */
public final class CalibrationRoutes {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence()
            .omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    private static final String PAGE_RESOURCE = "/calibration/index.html";

    private CalibrationRoutes() {
    }

    public static void register(Router router, BodyHandler bodies, CalibrationDirectory directory, AdminAuth auth) {
        String base = "/v2/models/:model/calibration";
        router.get(base + "/stream").handler(ctx -> stream(ctx, directory));
        router.get(base).handler(ctx -> reply(ctx, () -> find(ctx, directory).snapshot()
                .thenApply(s -> print(CalibrationProtoCodec.statistics(s, Set.of(), false)))));
        router.get(base + "/scales").handler(ctx -> reply(ctx, () -> {
            ModelCalibration c = find(ctx, directory);
            return CompletableFuture.completedFuture(print(CalibrationProtoCodec.table(c.modelName(), c.activeTable())));
        }));
        router.post(base + "/scales").handler(bodies).handler(ctx -> reply(ctx, () -> {
            auth.check(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
            ModelCalibration c = find(ctx, directory);
            UpdateScalesRequest.Builder b = UpdateScalesRequest.newBuilder();
            parse(ctx, b);
            return c.updateScales(b.getExpectedVersion(), CalibrationProtoCodec.entries(b.getEntriesMap()),
                    b.getReplaceAll()).thenApply(t -> print(CalibrationProtoCodec.table(c.modelName(), t)));
        }));
        router.post(base + "/rollback").handler(bodies).handler(ctx -> reply(ctx, () -> {
            auth.check(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
            ModelCalibration c = find(ctx, directory);
            return c.rollback("requested by a client").thenApply(t -> print(CalibrationProtoCodec.table(c.modelName(), t)));
        }));
        router.get(base + "/policy").handler(ctx -> reply(ctx, () -> {
            ModelCalibration c = find(ctx, directory);
            return CompletableFuture.completedFuture(policyJson(c.modelName(), c.policy()));
        }));
        router.post(base + "/policy").handler(bodies).handler(ctx -> reply(ctx, () -> {
            auth.check(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
            ModelCalibration c = find(ctx, directory);
            Policy.Builder b = Policy.newBuilder();
            parse(ctx, b);
            return c.setPolicy(CalibrationPolicy.parse(b.getPolicy())).thenApply(p -> policyJson(c.modelName(), p));
        }));
        byte[] page = page();
        router.get("/calibration/:model").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE,
                "text/html; charset=utf-8").putHeader("Cache-Control", "no-store").end(Buffer.buffer(page)));
    }

    private static void stream(RoutingContext ctx, CalibrationDirectory directory) {
        ModelCalibration c;
        try {
            c = find(ctx, directory);
        } catch (RuntimeException e) {
            Replies.error(ctx, e);
            return;
        }
        String interval = ctx.request().getParam("interval_ms");
        String tensors = ctx.request().getParam("tensors");
        boolean histograms = !"false".equals(ctx.request().getParam("histograms"));
        Set<String> only = tensors == null || tensors.isBlank() ? Set.of() : new HashSet<>(Arrays.asList(tensors.split(",")));
        Duration every;
        try {
            every = Duration.ofMillis(interval == null ? 1000 : Long.parseLong(interval));
        } catch (NumberFormatException e) {
            Replies.error(ctx, 400, "interval_ms must be a number of milliseconds");
            return;
        }
        long maxEvents;
        try {
            maxEvents = ctx.request().getParam("max_events") == null ? Long.MAX_VALUE
                    : Long.parseLong(ctx.request().getParam("max_events"));
        } catch (NumberFormatException e) {
            Replies.error(ctx, 400, "max_events must be a number");
            return;
        }
        long[] sent = {0};
        HttpServerResponse response = ctx.response();
        response.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                .putHeader("Cache-Control", "no-store").putHeader("X-Accel-Buffering", "no");
        response.write(": tare calibration stream of " + c.modelName() + "\n\n");
        Context context = Vertx.currentContext();
        AutoCloseable subscription = c.subscribe(snapshot -> {
            if (response.closed() || response.ended()) {
                throw new IllegalStateException("closed"); // the calibration thread unsubscribes
            }
            String event = "event: statistics\ndata: " + print(CalibrationProtoCodec.statistics(snapshot, only, histograms))
                    + "\n\n";
            context.runOnContext(v -> {
                if (!response.closed() && !response.ended() && !response.writeQueueFull()) {
                    response.write(event);
                    if (++sent[0] >= maxEvents) {
                        response.end(); // the close handler unsubscribes
                    }
                }
            });
        }, every);
        response.endHandler(v -> {
            try {
                subscription.close();
            } catch (Exception ignored) {
                // removing from a list cannot fail
            }
        });
        response.closeHandler(v -> {
            try {
                subscription.close();
            } catch (Exception ignored) {
                // removing from a list cannot fail
            }
        });
    }

    private static ModelCalibration find(RoutingContext ctx, CalibrationDirectory directory) {
        return directory.find(ctx.pathParam("model"));
    }

    private interface Work {
        CompletableFuture<String> start();
    }

    private static void reply(RoutingContext ctx, Work work) {
        CompletableFuture<String> f;
        try {
            f = work.start();
        } catch (RuntimeException e) {
            Replies.error(ctx, e);
            return;
        }
        Context context = Vertx.currentContext();
        f.whenComplete((json, error) -> context.runOnContext(v -> {
            if (error != null) {
                Replies.error(ctx, error);
            } else {
                Replies.json(ctx, 200, json);
            }
        }));
    }

    private static void parse(RoutingContext ctx, Message.Builder builder) {
        String body = ctx.body() == null ? "" : ctx.body().asString();
        try {
            PARSER.merge(body == null || body.isBlank() ? "{}" : body, builder);
        } catch (InvalidProtocolBufferException e) {
            throw TareException.invalid("malformed JSON body: " + e.getMessage());
        }
    }

    private static String policyJson(String model, CalibrationPolicy p) {
        return print(Policy.newBuilder().setModelName(model).setPolicy(p.wireName()).build());
    }

    private static String print(Message m) {
        try {
            return PRINTER.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] page() {
        try (InputStream in = CalibrationRoutes.class.getResourceAsStream(PAGE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + PAGE_RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + PAGE_RESOURCE, e);
        }
    }
}
