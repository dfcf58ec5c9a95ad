package io.tare.client.calibrate;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tare.kernels.calibration.TensorHistogram;
import io.tare.proto.calibration.CalibrationStatistics;
import io.tare.proto.calibration.TensorStatistics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A fleet's live statistics, merged: one {@link StatisticsStream} per server feeds a queue that
 * {@link #next} drains on the caller's thread, so the merge needs no locks.
 *
 * <p>An {@link Update} comes once every server has reported at least once, and from then on each
 * time every server still connected has sent a new message since the last update (a "round"); so
 * each update holds fresh data from each reachable server, and a fleet of n servers gives one update
 * per interval rather than n. A server that went away keeps contributing its last statistics (so
 * the merged counts do not jump) and is named in {@link Update#disconnected()} until it is back.
 * Connection news (lost, waiting, back) goes to the notice sink as one line each.
 *
 * <p>Not thread-safe: one thread calls {@link #next} and {@link #close}.
 */
public final class FleetFollow implements AutoCloseable {
    /** A merged view of the fleet; {@code sequence} counts updates from 1. */
    public record Update(long sequence, FleetCalibration.Merged merged, Set<String> disconnected) {
    }

    private final List<String> targets;
    private final BlockingQueue<StatisticsStream.Event> events = new LinkedBlockingQueue<>();
    private final List<StatisticsStream> streams = new ArrayList<>();
    private final Consumer<String> notices;
    private final CalibrationStatistics[] latest;
    private final boolean[] fresh;
    private final boolean[] disconnected;
    private long sequence;

    /** Builds the streams; {@code open} creates the stream of server i with the given event sink. */
    FleetFollow(List<String> targets, Consumer<String> notices,
                java.util.function.BiFunction<Integer, Consumer<StatisticsStream.Event>, StatisticsStream> open) {
        this.targets = List.copyOf(targets);
        this.notices = notices;
        this.latest = new CalibrationStatistics[targets.size()];
        this.fresh = new boolean[targets.size()];
        this.disconnected = new boolean[targets.size()];
        for (int i = 0; i < targets.size(); i++) {
            streams.add(open.apply(i, events::add));
        }
        streams.forEach(StatisticsStream::start);
    }

    /**
     * The next merged update, or null when none completed within {@code timeout}.
     *
     * @throws StatusRuntimeException when a server refused the stream (e.g. unknown model)
     */
    public Update next(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            StatisticsStream.Event e = left <= 0 ? events.poll() : events.poll(left, TimeUnit.NANOSECONDS);
            if (e == null) {
                return null;
            }
            if (handle(e)) {
                return update();
            }
        }
    }

    /** Servers not heard from yet. */
    public List<String> waitingFor() {
        List<String> waiting = new ArrayList<>();
        for (int i = 0; i < latest.length; i++) {
            if (latest[i] == null) {
                waiting.add(targets.get(i));
            }
        }
        return waiting;
    }

    /** Applies one event; true when it completes a round. */
    private boolean handle(StatisticsStream.Event event) {
        int i = event.server();
        String target = targets.get(i);
        switch (event) {
            case StatisticsStream.Received r -> {
                if (disconnected[i]) {
                    disconnected[i] = false;
                    notices.accept("following " + target + " again (scale version " + r.statistics().getScaleVersion()
                            + ")");
                }
                latest[i] = r.statistics();
                fresh[i] = true;
            }
            case StatisticsStream.Lost l -> {
                boolean first = !disconnected[i];
                disconnected[i] = true;
                fresh[i] = false;
                if (first || !l.everReceived()) {
                    notices.accept((l.everReceived() ? "lost " + target : "waiting for " + target) + " ("
                            + describe(l.status()) + "); reconnecting"
                            + (l.everReceived() && latest[i] != null ? ", its last statistics stay in the merge" : "")
                            + " (retry in " + l.retryIn().toMillis() + " ms)");
                }
            }
            case StatisticsStream.Failed f -> throw f.status().augmentDescription(target).asRuntimeException();
        }
        return roundComplete();
    }

    private boolean roundComplete() {
        boolean anyFresh = false;
        for (int i = 0; i < latest.length; i++) {
            if (latest[i] == null || (!disconnected[i] && !fresh[i])) {
                return false;
            }
            anyFresh |= fresh[i];
        }
        return anyFresh;
    }

    private Update update() {
        Map<String, TensorHistogram> merged = new LinkedHashMap<>();
        Map<String, Long> versions = new LinkedHashMap<>();
        Set<String> gone = new LinkedHashSet<>();
        for (int i = 0; i < latest.length; i++) {
            fresh[i] = false;
            versions.put(targets.get(i), latest[i].getScaleVersion());
            if (disconnected[i]) {
                gone.add(targets.get(i));
            }
            for (TensorStatistics t : latest[i].getTensorsList()) {
                // decoded afresh each time: merge() adds into its receiver
                TensorHistogram h = TensorHistogram.fromBytes(t.getSinceRefreshHistogram().toByteArray());
                merged.merge(t.getTensor(), h, (a, b) -> {
                    a.merge(b);
                    return a;
                });
            }
        }
        return new Update(++sequence, new FleetCalibration.Merged(merged, versions), gone);
    }

    private static String describe(Status s) {
        return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
    }

    /** Stops every stream. */
    @Override
    public void close() {
        streams.forEach(StatisticsStream::close);
    }

    /** For error messages. */
    static StatusRuntimeException timedOut(List<String> waiting, Duration waited) {
        return Status.DEADLINE_EXCEEDED.withDescription("no statistics from " + waiting + " within "
                + waited.toSeconds() + " s").asRuntimeException();
    }
}
