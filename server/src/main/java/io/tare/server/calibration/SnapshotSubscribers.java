package io.tare.server.calibration;

import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The statistics streams of one model: each subscriber gets a snapshot about every interval it
 * asked for (at least {@link #MIN_INTERVAL_NANOS}). Snapshots are taken at most once per
 * {@link #publish} call however many subscribers are due, and only when one is due. Subscribe and
 * unsubscribe from any thread; {@link #publish} runs on the calibration thread and calls the sinks
 * there, so sinks must not block. A sink that throws is removed.
 */
final class SnapshotSubscribers {
    static final long MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private record Subscriber(Consumer<CalibrationSnapshot> sink, long intervalNanos, long[] lastSent) {
    }

    private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    AutoCloseable add(Consumer<CalibrationSnapshot> sink, Duration interval) {
        Subscriber s = new Subscriber(sink, Math.max(MIN_INTERVAL_NANOS, interval.toNanos()), new long[]{0});
        subscribers.add(s);
        return () -> subscribers.remove(s);
    }

    void publish(long nowNanos, Supplier<CalibrationSnapshot> take) {
        CalibrationSnapshot snapshot = null;
        for (Subscriber s : subscribers) {
            if (nowNanos - s.lastSent[0] < s.intervalNanos) {
                continue;
            }
            if (snapshot == null) {
                snapshot = take.get();
            }
            s.lastSent[0] = nowNanos;
            try {
                s.sink.accept(snapshot);
            } catch (RuntimeException e) {
                subscribers.remove(s);
            }
        }
    }
}
