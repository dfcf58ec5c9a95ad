package io.tare.client.perf;

import io.tare.client.InferInput;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner against a simulated server that answers after a fixed service time. */
class PerfRunnerTest {
    private static final Duration SERVICE_TIME = Duration.ofMillis(5);

    private static List<List<InferInput>> requests(int count) {
        List<List<InferInput>> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(List.of(InferInput.ofFloats("x", new long[]{1}, i)));
        }
        return requests;
    }

    @Test
    void closedLoopKeepsConcurrencyInFlightAndCyclesThroughRows() throws InterruptedException {
        ScheduledExecutorService server = Executors.newScheduledThreadPool(2);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        Set<Float> seen = ConcurrentHashMap.newKeySet();
        PerfRunner.RequestSender sender = inputs -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            seen.add(inputs.get(0).tensor().asFloats()[0]);
            CompletableFuture<Object> reply = new CompletableFuture<>();
            server.schedule(() -> {
                inFlight.decrementAndGet();
                reply.complete("ok");
            }, SERVICE_TIME.toMillis(), TimeUnit.MILLISECONDS);
            return reply;
        };
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        PerfRunner runner = new PerfRunner(sender, requests(7), 4,
                new PerfRunner.Settings(Duration.ofMillis(200), Duration.ofMillis(1200), 100, Duration.ofSeconds(5)),
                progress::add);
        PerfResult result = runner.run(LoadLevel.concurrency(4));
        server.shutdownNow();

        assertEquals(4, maxInFlight.get());
        assertEquals(7, seen.size(), "every prepared request is used");
        assertEquals(0, result.errors());
        // 4 chains of ~5 ms requests over 1.2 s: near 960 requests; timers are coarse on a loaded machine.
        assertTrue(result.completed() > 200 && result.completed() <= 4 * 1200 / 5 + 4, "completed " + result.completed());
        assertEquals(result.requestsPerSecond() * 4, result.inferencesPerSecond(), 1e-9);
        assertTrue(result.latency().p50Us() >= SERVICE_TIME.toNanos() / 1e3, "p50 " + result.latency().p50Us());
        assertTrue(result.latency().p99Us() >= result.latency().p50Us());
        assertTrue(!progress.isEmpty() && progress.getLast().startsWith("concurrency 4"), progress.toString());
    }

    @Test
    void openLoopSendsAtTheRequestedRateAndCountsErrors() throws InterruptedException {
        AtomicInteger sent = new AtomicInteger();
        PerfRunner.RequestSender sender = inputs -> sent.incrementAndGet() % 10 == 0
                ? CompletableFuture.failedFuture(new IllegalStateException("server said no"))
                : CompletableFuture.completedFuture("ok");
        PerfRunner runner = new PerfRunner(sender, requests(3), 1,
                new PerfRunner.Settings(Duration.ZERO, Duration.ofMillis(1000), 100, Duration.ofSeconds(5)),
                line -> { });
        PerfResult result = runner.run(LoadLevel.requestRate(200));
        assertEquals(200, sent.get(), 2);
        assertEquals(20, result.errors(), 2);
        assertEquals("server said no", result.firstError());
        assertEquals(180, result.completed(), 3);
    }

    @Test
    void csvHasOneRowPerLevel() {
        PerfResult a = new PerfResult(LoadLevel.concurrency(1), 2, 100, 0, "", 10, LatencySummary.of(new long[]{1000, 3000}, 2));
        PerfResult b = new PerfResult(LoadLevel.requestRate(50), 2, 500, 1, "x", 10, LatencySummary.EMPTY);
        String[] lines = PerfReport.csv(List.of(a, b)).split("\n");
        assertEquals(3, lines.length);
        assertEquals(PerfReport.CSV_HEADER, lines[0]);
        assertEquals("1,,2,100,0,10.000,20.00,10.00,1.0,3.0,3.0,3.0,2.0,1.0,3.0", lines[1]);
        assertTrue(lines[2].startsWith("0,50.00,2,500,1,"), lines[2]);
        assertTrue(PerfReport.table(List.of(a, b)).contains("concurrency 1"));
        assertTrue(PerfReport.json(List.of(a, b)).contains("\"first_error\": \"x\""));
    }
}
