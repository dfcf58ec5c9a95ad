package io.tare.server.repository;

import io.tare.server.core.TareException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * {@link ControlMode#POLL}: rescans the repository at an interval and loads new models, reloads
 * models whose files changed (size or modification time of any file) and unloads removed ones.
 */
public final class RepositoryPoller implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RepositoryPoller.class.getName());
    private final ModelRepository repository;
    private final Path root;
    private final Map<String, String> fingerprints = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("tare-repository-poll").factory());

    public RepositoryPoller(ModelRepository repository, Path root, Duration interval) {
        this.repository = repository;
        this.root = root;
        for (String name : repository.modelNamesOnDisk()) {
            fingerprints.put(name, fingerprint(root.resolve(name)));
        }
        timer.scheduleWithFixedDelay(this::pollSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.warning("repository poll failed: " + e.getMessage());
        }
    }

    /** One scan; public so tests can drive it without waiting for the timer. */
    public synchronized void poll() {
        Set<String> onDisk = new HashSet<>(repository.modelNamesOnDisk());
        for (String name : onDisk) {
            String now = fingerprint(root.resolve(name));
            if (!now.equals(fingerprints.get(name))) {
                fingerprints.put(name, now);
                try {
                    repository.load(name);
                } catch (TareException e) {
                    LOG.warning("model '" + name + "' not loaded: " + e.getMessage());
                }
            }
        }
        for (String name : Set.copyOf(fingerprints.keySet())) {
            if (!onDisk.contains(name)) {
                fingerprints.remove(name);
                try {
                    repository.unload(name);
                } catch (TareException e) {
                    LOG.fine("model '" + name + "' was not loaded");
                }
            }
        }
    }

    private static String fingerprint(Path dir) {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted().toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                sb.append(dir.relativize(p)).append(':').append(a.size()).append(':')
                        .append(a.lastModifiedTime().toMillis()).append(';');
            }
        } catch (IOException e) {
            return "unreadable:" + e.getMessage();
        }
        return sb.toString();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
