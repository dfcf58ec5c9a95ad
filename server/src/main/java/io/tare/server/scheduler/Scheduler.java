package io.tare.server.scheduler;

import io.tare.server.core.InferenceRequest;
import io.tare.server.core.InferenceResponse;
import java.util.concurrent.CompletableFuture;

/**
 * Per-model queue in front of the model's instances. {@link #submit} never blocks and never
 * computes: it enqueues or fails at once.
 */
public interface Scheduler extends AutoCloseable {
    /**
     * Enqueues a validated request.
     *
     * @param rows the request's batch size (1 for a model that does not batch)
     * @return a future completed on a compute thread with the response, or exceptionally with a
     *         {@link io.tare.server.core.TareException}: RESOURCE_EXHAUSTED when the queue is full,
     *         DEADLINE_EXCEEDED when the deadline passed before the request ran, UNAVAILABLE when
     *         the scheduler is closed ({@link SchedulerClosedException})
     */
    CompletableFuture<InferenceResponse> submit(InferenceRequest request, int rows);

    /** Requests waiting in the queue (not counting those executing). */
    int pending();

    /** Stops accepting, finishes every request already accepted, then closes the instances. */
    @Override
    void close();
}
