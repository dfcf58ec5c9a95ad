package io.tare.server.frontend;

import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import io.tare.server.repository.ControlMode;
import io.tare.server.repository.ModelRepository;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The repository's write path for both frontends: checks the admin token and the control mode,
 * then loads or unloads on one dedicated thread (loading reads files and builds sessions, which
 * must never happen on an event loop; one thread also keeps management operations in order).
 */
public final class RepositoryAdmin implements AutoCloseable {
    private final ModelRepository repository;
    private final AdminAuth auth;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("tare-repository-admin").factory());

    public RepositoryAdmin(ModelRepository repository, AdminAuth auth) {
        this.repository = repository;
        this.auth = auth;
    }

    public CompletableFuture<Void> load(String model, String authorizationHeader) {
        return submit(model, authorizationHeader, () -> repository.load(model));
    }

    public CompletableFuture<Void> unload(String model, String authorizationHeader) {
        return submit(model, authorizationHeader, () -> repository.unload(model));
    }

    private CompletableFuture<Void> submit(String model, String authorizationHeader, Runnable action) {
        try {
            auth.check(authorizationHeader);
            if (repository.controlMode() != ControlMode.EXPLICIT) {
                throw new TareException(ErrorCode.UNAVAILABLE, "explicit model load / unload is not allowed: the server "
                        + "runs with --model-control-mode " + repository.controlMode().name().toLowerCase(java.util.Locale.ROOT));
            }
            if (model == null || model.isEmpty()) {
                throw TareException.invalid("model_name is missing");
            }
        } catch (TareException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.runAsync(action, worker);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
