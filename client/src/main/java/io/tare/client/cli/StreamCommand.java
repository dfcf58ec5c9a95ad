package io.tare.client.cli;

import io.tare.client.InferInput;
import io.tare.client.InferOptions;
import io.tare.client.InferResult;
import io.tare.client.InferStream;
import io.tare.client.InferStreamListener;
import io.tare.client.TareClientException;
import io.tare.client.perf.LatencySummary;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code stream --model M --input ... --count N}: sends N requests over one ModelStreamInfer stream
 * (cycling through batches of rows when {@code --batch} is given), at most {@code --max-in-flight}
 * unanswered at a time, and reports responses, errors, rate and per-message latency.
 */
final class StreamCommand implements Command {
    static final int DEFAULT_MAX_IN_FLIGHT = 32;

    @Override
    public String usage() {
        return "stream --model M --input name=file[:shape] ... --count N [--batch B] [--max-in-flight K]\n"
                + "        [--print-results] [--url host:port] [--timeout S]   (gRPC only)";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException {
        Set<String> values = new HashSet<>(Endpoint.VALUE_OPTIONS);
        values.addAll(Set.of("model", "input", "count", "batch", "max-in-flight", "version"));
        Set<String> flags = new HashSet<>(Endpoint.FLAG_OPTIONS);
        flags.add("print-results");
        CliArgs args = CliArgs.parse(argv, values, flags);
        if (Endpoint.usesHttp(args)) {
            throw new UsageException("stream needs gRPC (KServe v2 REST has no streaming inference)");
        }
        String model = args.required("model");
        int count = args.positiveInt("count", 1);
        int window = args.positiveInt("max-in-flight", DEFAULT_MAX_IN_FLIGHT);
        InputSet data = InputSet.load(args.all("input"));
        List<List<InferInput>> requests = args.has("batch")
                ? data.batches(args.positiveInt("batch", 1))
                : List.of(data.whole());
        String version = args.get("version", "");
        boolean print = args.flag("print-results");

        try (Endpoint endpoint = Endpoint.open(args)) {
            Listener listener = new Listener(count, window, print ? out : null);
            ProgressLine progress = ProgressLine.forStream(err);
            long start = System.nanoTime();
            InferStream stream = endpoint.grpc().openStream(listener);
            try {
                for (int i = 0; i < count && listener.failure.get() == null; i++) {
                    listener.slots.acquire();
                    listener.sentAt.set(i, System.nanoTime());
                    stream.send(model, requests.get(i % requests.size()),
                            InferOptions.builder().requestId(Integer.toString(i)).modelVersion(version).build());
                    if (i % 256 == 0 || i == count - 1) {
                        progress.update(String.format(Locale.ROOT, "stream: sent %d/%d, %d answered", i + 1, count,
                                listener.answered.get()));
                    }
                }
                stream.complete();
                Duration wait = endpoint.deadline().plusSeconds(5);
                if (!stream.awaitClose(wait)) {
                    stream.cancel("no end of stream within " + wait.toSeconds() + " s");
                    stream.awaitClose(Duration.ofSeconds(5));
                }
            } catch (InterruptedException e) {
                stream.cancel("interrupted");
                Thread.currentThread().interrupt();
                return 1;
            } catch (IllegalStateException e) {
                // The server ended the stream while we were sending; the listener has the reason.
            }
            progress.done();
            double seconds = (System.nanoTime() - start) / 1e9;
            LatencySummary latency = listener.latencies();
            out.printf(Locale.ROOT, "stream: %d responses, %d errors in %.3f s (%.1f responses/s)%n",
                    listener.results.get(), listener.errors.get(), seconds, listener.results.get() / seconds);
            out.printf(Locale.ROOT, "latency us: p50 %.0f  p90 %.0f  p95 %.0f  p99 %.0f  avg %.0f%n",
                    latency.p50Us(), latency.p90Us(), latency.p95Us(), latency.p99Us(), latency.avgUs());
            if (listener.failure.get() != null) {
                err.println("error: stream ended: " + listener.failure.get().getMessage());
                return 1;
            }
            if (listener.errors.get() > 0) {
                err.println("error: " + listener.errors.get() + " requests failed; first: " + listener.firstError.get());
                return 1;
            }
            if (listener.answered.get() < count) {
                err.println("error: only " + listener.answered.get() + " of " + count + " requests were answered");
                return 1;
            }
            return 0;
        }
    }

    /** Counts what comes back and frees a window slot per answer. */
    private static final class Listener implements InferStreamListener {
        final Semaphore slots;
        final AtomicLongArray sentAt;
        final long[] latencyNanos;
        final AtomicInteger answered = new AtomicInteger();
        final AtomicInteger results = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final AtomicReference<TareClientException> failure = new AtomicReference<>();
        private final PrintStream printTo;
        private int latencyCount;

        Listener(int count, int window, PrintStream printTo) {
            this.slots = new Semaphore(window);
            this.sentAt = new AtomicLongArray(count);
            this.latencyNanos = new long[count];
            this.printTo = printTo;
        }

        @Override
        public void onResult(InferResult result) {
            long now = System.nanoTime();
            synchronized (this) {
                int id = parseId(result.id());
                if (id >= 0 && id < sentAt.length()) {
                    latencyNanos[latencyCount++] = now - sentAt.get(id);
                }
                if (printTo != null) {
                    ResultPrinter.printSummary(result, printTo);
                }
            }
            results.incrementAndGet();
            answered();
        }

        @Override
        public void onRequestError(String requestId, String message) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, "request " + requestId + ": " + message);
            answered();
        }

        @Override
        public void onClose(TareClientException closeFailure) {
            if (closeFailure != null) {
                failure.set(closeFailure);
                // Unblock a sender waiting for a slot; nothing more will be answered.
                slots.release(Integer.MAX_VALUE / 2);
            }
        }

        private void answered() {
            answered.incrementAndGet();
            slots.release();
        }

        synchronized LatencySummary latencies() {
            return LatencySummary.of(latencyNanos, latencyCount);
        }

        private static int parseId(String id) {
            try {
                return Integer.parseInt(id);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }
}
