package io.tare.server.frontend.http;

import io.tare.server.calibration.CalibrationDirectory;
import io.tare.server.frontend.AdminAuth;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import io.tare.server.frontend.RepositoryAdmin;
import io.tare.server.repository.ModelRepository;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The KServe v2 HTTP/REST endpoint on Vert.x: health, server and model metadata, model config and
 * statistics, inference (JSON and Triton's binary tensor extension) and the model repository
 * extension. Errors are {@code {"error": "..."}} with the status {@link io.tare.server.frontend.ErrorStatus}
 * gives their code; a body over {@link HttpOptions#maxBodyBytes()} is refused with 413.
 *
 * <p>Threading: handlers run on the server's event loop and only decode, validate, enqueue and
 * write; inference runs on the model's compute threads and load/unload on {@link RepositoryAdmin}'s
 * worker, and their answers are written back on the request's own context.
 *
 * <p>Lifecycle: construct, {@link #start()} once, {@link #close()} once. Readiness
 * ({@code /v2/health/ready}) is true from start until {@link #setServing(boolean) setServing(false)}
 * or close, so a server can drain before it stops.
 */
public final class HttpFrontend implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HttpFrontend.class.getName());
    /** How long close() lets requests in flight finish before connections are cut. */
    private static final long SHUTDOWN_GRACE_SECONDS = 5;

    private final Vertx vertx;
    private final HttpOptions options;
    private final Router router;
    private final InferenceRoute inference;
    private volatile HttpServer server;
    private volatile boolean serving;
    private volatile boolean closed;

    /**
     * @param admin the repository's write path (token and control-mode checks, its own worker thread)
     */
    public HttpFrontend(Vertx vertx, ModelRepository repository, RepositoryAdmin admin, HttpOptions options) {
        this(vertx, repository, admin, options, null, null);
    }

    /** With the online calibration routes ({@link CalibrationRoutes}) too, when {@code calibration} is not null. */
    public HttpFrontend(Vertx vertx, ModelRepository repository, RepositoryAdmin admin, HttpOptions options,
                        CalibrationDirectory calibration, AdminAuth auth) {
        this.vertx = vertx;
        this.options = options;
        this.router = Router.router(vertx);
        // Only POST routes have bodies; the limit is enforced before buffering (413). Attached per
        // route, so that an unknown path is a 404 rather than a 405 for a catch-all POST route.
        BodyHandler bodies = BodyHandler.create(false).setBodyLimit(options.maxBodyBytes())
                .setPreallocateBodyBuffer(true);
        ServerRoutes.register(router, () -> !closed, () -> serving && !closed);
        ModelRoutes.register(router, repository);
        inference = InferenceRoute.register(router, bodies, repository, options.maxBodyBytes());
        RepositoryRoutes.register(router, bodies, repository, admin);
        if (calibration != null) {
            CalibrationRoutes.register(router, bodies, calibration, auth);
        }
        router.errorHandler(404, ctx -> Replies.error(ctx, 404, "no endpoint " + ctx.request().method() + " "
                + ctx.request().path()));
        router.errorHandler(405, ctx -> Replies.error(ctx, 405, "method " + ctx.request().method()
                + " is not allowed on " + ctx.request().path()));
        router.errorHandler(413, ctx -> Replies.bodyTooLarge(ctx.response(), options.maxBodyBytes()));
        router.errorHandler(500, ctx -> Replies.error(ctx, ctx.failure() != null ? ctx.failure()
                : new TareException(ErrorCode.INTERNAL, "internal error")));
    }

    /**
     * Binds the port and starts serving; blocks until bound. Call from a non-event-loop thread
     * (e.g. main), once.
     *
     * @return the bound port (the chosen one when {@link HttpOptions#port()} is 0)
     * @throws TareException UNAVAILABLE when the port cannot be bound
     */
    public int start() {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("HttpFrontend.start() blocks; call it off the event loop");
        }
        if (server != null) {
            throw new IllegalStateException("HttpFrontend already started");
        }
        // Request decompression (Content-Encoding: gzip/deflate) as Triton's clients may send it;
        // the body limit then applies to the decompressed bytes, so a small bomb cannot grow big.
        // No WebSocket endpoints: without the compression extensions Vert.x leaves their handler out
        // of every connection's pipeline (it inspected each request).
        HttpServer s = vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port())
                .setDecompressionSupported(true)
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false));
        // Inference first, without the router's machinery; everything else is routed.
        s.requestHandler(request -> {
            if (!inference.handle(request)) {
                router.handle(request);
            }
        });
        try {
            s.listen().await();
        } catch (RuntimeException e) {
            throw new TareException(ErrorCode.UNAVAILABLE, "cannot bind HTTP " + options.host() + ":" + options.port()
                    + ": " + e.getMessage(), e);
        }
        server = s;
        serving = true;
        LOG.info("HTTP/REST listening on " + options.host() + ":" + s.actualPort());
        return s.actualPort();
    }

    /** The bound port, or -1 before {@link #start()}. */
    public int port() {
        HttpServer s = server;
        return s == null ? -1 : s.actualPort();
    }

    /** Sets what {@code /v2/health/ready} answers (true after start); false lets load balancers drain. */
    public void setServing(boolean serving) {
        this.serving = serving;
    }

    /**
     * Stops accepting connections and waits up to a few seconds for requests in flight to be
     * answered. Blocks; call off the event loop. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        HttpServer s = server;
        if (s != null) {
            try {
                s.shutdown(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS).await();
            } catch (RuntimeException e) {
                LOG.warning("HTTP server did not stop cleanly: " + e);
            }
        }
    }
}
