package io.tare.server.metrics;

import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/** Serves {@code GET /metrics} (Prometheus text format 0.0.4) on the metrics port. */
public final class MetricsFrontend implements AutoCloseable {
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private final HttpServer server;

    public MetricsFrontend(Vertx vertx, String host, int port, ServerMetrics metrics) {
        server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
                .requestHandler(req -> {
                    if (req.path().equals("/metrics")) {
                        req.response().putHeader("Content-Type", CONTENT_TYPE).end(metrics.scrape());
                    } else {
                        req.response().setStatusCode(404).end("only /metrics is served here\n");
                    }
                });
    }

    /** Binds and returns the port. */
    public int start() {
        try {
            return server.listen().await().actualPort();
        } catch (RuntimeException e) {
            throw new TareException(ErrorCode.UNAVAILABLE, "cannot bind the metrics port: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        server.close().await();
    }
}
