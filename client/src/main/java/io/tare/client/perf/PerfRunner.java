package io.tare.client.perf;

import io.tare.client.InferInput;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Drives one load level against a server, in the manner of Triton's perf_analyzer: a warmup whose
 * results are discarded, then a fixed measurement window. Requests cycle through a prepared list (rows of
 * a real data set), so the server sees real inputs, not one tensor repeated.
 *
 * <p>Closed loop ({@link LoadLevel#concurrency()}): that many chains, each sending its next request when
 * the previous one completes. Open loop ({@link LoadLevel#requestRate()}): requests go out on a fixed
 * schedule whatever the replies, latency counted from the scheduled time; at most
 * {@link Settings#maxInFlight()} are outstanding (beyond that the schedule slips and latencies show it).
 *
 * <p>A request counts when it completes inside the window. Not thread-safe: run one level at a time.
 */
public final class PerfRunner {
    /** Sends one request asynchronously; the future fails when the request fails. */
    @FunctionalInterface
    public interface RequestSender {
        CompletableFuture<?> send(List<InferInput> inputs);
    }

    /**
     * @param warmup      load applied before measuring, results discarded
     * @param measure     length of the measurement window
     * @param maxInFlight open loop only: most requests outstanding at once
     * @param drain       how long to wait after the window for outstanding requests before the next level
     */
    public record Settings(Duration warmup, Duration measure, int maxInFlight, Duration drain) {
        public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(2);
        public static final Duration DEFAULT_MEASURE = Duration.ofSeconds(10);
        public static final int DEFAULT_MAX_IN_FLIGHT = 4096;
        public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);

        public Settings {
            if (warmup.isNegative() || measure.isNegative() || measure.isZero() || maxInFlight <= 0) {
                throw new IllegalArgumentException("warmup >= 0, measure > 0 and maxInFlight > 0 are required");
            }
        }
    }

    private final RequestSender sender;
    private final List<List<InferInput>> requests;
    private final int batch;
    private final Settings settings;
    private final Consumer<String> progress;

    /**
     * @param requests prepared request inputs, sent in turn and cycled
     * @param batch    rows per request, to turn requests/s into inferences/s
     * @param progress receives a one-line status about once a second (from another thread)
     */
    public PerfRunner(RequestSender sender, List<List<InferInput>> requests, int batch, Settings settings,
                      Consumer<String> progress) {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("no requests to send");
        }
        this.sender = sender;
        this.requests = List.copyOf(requests);
        this.batch = batch;
        this.settings = settings;
        this.progress = progress;
    }

    /** Runs warmup and measurement at {@code level} and returns what was measured. */
    public PerfResult run(LoadLevel level) throws InterruptedException {
        Run run = new Run(level);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "perf-progress");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleAtFixedRate(() -> progress.accept(run.status()), 1, 1, TimeUnit.SECONDS);
        try {
            if (level.isClosedLoop()) {
                for (int i = 0; i < level.concurrency(); i++) {
                    run.chain();
                }
                sleepUntil(run.measureEnd);
            } else {
                run.schedule();
            }
            run.drain();
        } finally {
            ticker.shutdownNow();
        }
        progress.accept(run.status());
        return new PerfResult(level, batch, run.completed.get(), run.errors.get(),
                run.firstError.get() == null ? "" : run.firstError.get(),
                settings.measure().toNanos() / 1e9, run.latencies.summarize());
    }

    /** The state of one level's run. */
    private final class Run {
        private final LoadLevel level;
        private final long start = System.nanoTime();
        private final long warmupEnd = start + settings.warmup().toNanos();
        private final long measureEnd = warmupEnd + settings.measure().toNanos();
        private final AtomicInteger nextRequest = new AtomicInteger();
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicLong completed = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private final AtomicLong finishedAllPhases = new AtomicLong();
        private final AtomicReference<String> firstError = new AtomicReference<>();
        private final LatencyLog latencies = new LatencyLog();
        private long lastTickFinished;
        private long lastTickTime = start;

        Run(LoadLevel level) {
            this.level = level;
        }

        private List<InferInput> nextInputs() {
            return requests.get(Math.floorMod(nextRequest.getAndIncrement(), requests.size()));
        }

        private CompletableFuture<?> sendOne() {
            inFlight.incrementAndGet();
            try {
                return sender.send(nextInputs());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        /** Closed loop: send, and on each completion send again, until the window ends. */
        void chain() {
            while (System.nanoTime() < measureEnd) {
                long sentAt = System.nanoTime();
                CompletableFuture<?> reply = sendOne();
                if (!reply.isDone()) {
                    reply.whenComplete((ignored, failure) -> {
                        finish(sentAt, failure);
                        chain();
                    });
                    return;
                }
                // Completed synchronously (a failure before sending): loop instead of recursing.
                finish(sentAt, failureOf(reply));
            }
        }

        /** Open loop: requests at fixed intervals from the start, whatever the replies. */
        void schedule() throws InterruptedException {
            long interval = Math.max(1, Math.round(1e9 / level.requestRate()));
            Semaphore slots = new Semaphore(settings.maxInFlight());
            for (long i = 0; ; i++) {
                long due = start + i * interval;
                if (due >= measureEnd) {
                    return;
                }
                sleepUntil(due);
                slots.acquire();
                sendOne().whenComplete((ignored, failure) -> {
                    slots.release();
                    finish(due, failure);
                });
            }
        }

        private void finish(long sentAt, Throwable failure) {
            long now = System.nanoTime();
            inFlight.decrementAndGet();
            finishedAllPhases.incrementAndGet();
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                firstError.compareAndSet(null, String.valueOf(cause.getMessage()));
            }
            if (now < warmupEnd || now > measureEnd) {
                return;
            }
            if (failure == null) {
                completed.incrementAndGet();
                latencies.record(now - sentAt);
            } else {
                errors.incrementAndGet();
            }
        }

        void drain() throws InterruptedException {
            long giveUp = System.nanoTime() + settings.drain().toNanos();
            while (inFlight.get() > 0 && System.nanoTime() < giveUp) {
                Thread.sleep(5);
            }
        }

        synchronized String status() {
            long now = System.nanoTime();
            long finished = finishedAllPhases.get();
            double rate = (finished - lastTickFinished) / Math.max(1e-9, (now - lastTickTime) / 1e9);
            lastTickFinished = finished;
            lastTickTime = now;
            String phase = now < warmupEnd
                    ? String.format(Locale.ROOT, "warmup %.0f/%.0f s", (now - start) / 1e9, settings.warmup().toMillis() / 1e3)
                    : now < measureEnd
                    ? String.format(Locale.ROOT, "measuring %.0f/%.0f s", (now - warmupEnd) / 1e9,
                    settings.measure().toMillis() / 1e3)
                    : "draining";
            return String.format(Locale.ROOT, "%s | %s | %d ok, %d errors | %.0f req/s | %d in flight",
                    level, phase, completed.get(), errors.get(), rate, inFlight.get());
        }
    }

    private static Throwable failureOf(CompletableFuture<?> done) {
        try {
            done.join();
            return null;
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long remaining;
        while ((remaining = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
