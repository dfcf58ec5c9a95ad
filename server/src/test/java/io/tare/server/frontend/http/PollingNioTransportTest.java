package io.tare.server.frontend.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.SelectStrategy;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.Test;

/** Vert.x on {@link PollingNioTransport}: its loops poll after work, then block, and it serves HTTP. */
class PollingNioTransportTest {
    private long now = 1_000_000_000L;

    @Test
    void aLoopPollsForTheWindowAfterTheWorkABlockingSelectBroughtThenBlocks() throws Exception {
        long spin = 300_000;
        PollingNioTransport.Strategy s = new PollingNioTransport.Strategy(spin, () -> now);
        now += 10 * spin;
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
        now += 2 * spin; // decoding the request that ended the select took longer than the window
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> 0, false));
        now += spin;
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
        assertEquals(1, s.calculateStrategy(() -> 1, false));
    }

    @Test
    void vertxOnThisTransportServesHttp() throws Exception {
        Vertx vertx = Vertx.builder().withTransport(PollingNioTransport.withSpinMicros(300)).build();
        try {
            HttpServer server = vertx.createHttpServer().requestHandler(r -> r.response().end("pong"))
                    .listen(0).await();
            HttpClient client = vertx.createHttpClient();
            for (int i = 0; i < 3; i++) { // the later ones reach a loop that polls or has just blocked
                String body = client.request(HttpMethod.GET, server.actualPort(), "localhost", "/")
                        .compose(req -> req.send().compose(resp -> resp.body())).await().toString();
                assertEquals("pong", body);
            }
        } finally {
            vertx.close().await();
        }
    }
}
