package io.tare.server;

import io.tare.server.repository.ModelRepository;
import io.tare.server.repository.ModelState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Whether the server is ready for inference, as {@code /v2/health/ready}, gRPC {@code ServerReady}
 * and {@code grpc.health.v1} report it. Ready means all of:
 * <ul>
 *   <li>startup finished: the repository's initial load is done and the frontends are bound
 *       ({@link #markStarted()});</li>
 *   <li>shutdown has not begun ({@link #markStopping()}), so load balancers drain the server
 *       before its frontends close;</li>
 *   <li>every model the repository knows is READY, except models that are simply not loaded
 *       (never requested in explicit mode, or unloaded on purpose). A model whose load failed makes
 *       the server not ready. This is Triton's default ("strict readiness"): a replica missing one
 *       of its models should not receive traffic.</li>
 * </ul>
 *
 * <p>{@link #ready()} is computed on every call (it lists the repository folder, so it is meant for
 * health probes, not per request). Frontends that hold a readiness flag instead of asking are kept
 * up to date by {@link #publish}, which re-evaluates on a timer and at once on start and stop;
 * event-loop callers ask {@link #published()}.
 *
 * <p>Thread-safe.
 */
final class ServerReadiness {
    private static final Logger LOG = Logger.getLogger(ServerReadiness.class.getName());
    /**
     * How often held readiness flags are refreshed. Model loads and unloads change readiness without
     * telling this class (they happen on the admin and poller threads), so they show within this.
     */
    static final Duration DEFAULT_PUBLISH_INTERVAL = Duration.ofMillis(500);
    /** The reason {@link ModelRepository#index} gives a model that is not loaded and did not fail. */
    private static final String NOT_LOADED_REASON = "unloaded";

    private final ModelRepository repository;
    private volatile boolean started;
    private volatile boolean stopping;
    private volatile Runnable republish = () -> { };
    private volatile boolean published;

    ServerReadiness(ModelRepository repository) {
        this.repository = repository;
    }

    /** The initial load is done and the frontends listen. */
    void markStarted() {
        started = true;
        republish.run();
    }

    /** Shutdown began: not ready from now on, whatever the models' state. */
    void markStopping() {
        stopping = true;
        republish.run();
    }

    boolean ready() {
        if (!started || stopping) {
            return false;
        }
        try {
            return unreadyModels().isEmpty();
        } catch (RuntimeException e) {
            // an unreadable repository folder: nothing can be promised about the models
            return false;
        }
    }

    /**
     * The value {@link #publish} pushed last (false before it first runs): a volatile read, for
     * callers on an event loop, where {@link #ready()}'s folder listing must not run.
     */
    boolean published() {
        return published;
    }

    /** Names of models that should be served but are not READY. */
    List<String> unreadyModels() {
        return repository.index(false).stream()
                .filter(s -> !s.state().equals(ModelState.READY) && !s.reason().equals(NOT_LOADED_REASON))
                .map(ModelState::name).distinct().toList();
    }

    /**
     * Pushes {@link #ready()} to {@code sinks} now, on every change seen every {@code interval}, and
     * at once on {@link #markStarted()} and {@link #markStopping()}. One publisher per instance.
     *
     * @return stops the timer (the flags keep their last value)
     */
    AutoCloseable publish(List<Consumer<Boolean>> sinks, Duration interval) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
                .daemon().name("tare-readiness").unstarted(r));
        Object lock = new Object();
        boolean[] last = {false, false}; // {published yet, value}
        Runnable push = () -> {
            synchronized (lock) {
                boolean now = ready();
                published = now;
                if (!last[0] || last[1] != now) {
                    last[0] = true;
                    last[1] = now;
                    sinks.forEach(s -> s.accept(now));
                    if (started) {
                        LOG.info("server " + (now ? "ready" : "not ready" + (stopping ? " (stopping)"
                                : ": models not ready " + safeUnready())));
                    }
                }
            }
        };
        republish = push;
        push.run();
        timer.scheduleWithFixedDelay(() -> {
            try {
                push.run();
            } catch (RuntimeException e) {
                LOG.warning("readiness check failed: " + e); // the timer must survive it
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return () -> {
            timer.shutdownNow();
            republish = () -> { };
        };
    }

    private String safeUnready() {
        try {
            return unreadyModels().toString();
        } catch (RuntimeException e) {
            return "(repository unreadable: " + e.getMessage() + ")";
        }
    }
}
