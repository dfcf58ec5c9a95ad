package io.tare.server.repository;

import io.tare.proto.inference.ModelConfig;
import io.tare.server.backend.BackendModel;
import io.tare.server.backend.ResponseAnnotations;
import io.tare.server.core.InferenceRequest;
import io.tare.server.core.InferenceResponse;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.RequestValidator;
import io.tare.server.scheduler.ModelStats;
import io.tare.server.scheduler.Scheduler;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One loaded, servable model version: its backend model, scheduler and statistics. Closing it
 * finishes every request it accepted, then releases the model.
 */
public final class ServedModel implements AutoCloseable {
    private final String name;
    private final String version;
    private final ModelConfig config;
    private final BackendModel backendModel;
    private final Scheduler scheduler;
    private final ModelStats stats;

    ServedModel(String name, String version, ModelConfig config, BackendModel backendModel, Scheduler scheduler,
                ModelStats stats) {
        this.name = name;
        this.version = version;
        this.config = config;
        this.backendModel = backendModel;
        this.scheduler = scheduler;
        this.stats = stats;
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    /** The complete config, as ModelConfig reports it. */
    public ModelConfig config() {
        return config;
    }

    public ModelSignature signature() {
        return backendModel.signature();
    }

    public String platform() {
        return backendModel.platform();
    }

    public ModelStats stats() {
        return stats;
    }

    /** Requests waiting in this version's queue. */
    public int pendingRequests() {
        return scheduler.pending();
    }

    /** Validates and enqueues; a validation failure is counted and thrown at once. */
    CompletableFuture<InferenceResponse> submit(InferenceRequest request) {
        int rows;
        long start = System.nanoTime();
        try {
            rows = RequestValidator.validate(signature(), request);
        } catch (RuntimeException e) {
            stats.recordFailure("invalid_arg", System.nanoTime() - start);
            throw e;
        }
        CompletableFuture<InferenceResponse> response = scheduler.submit(request, rows);
        if (backendModel instanceof ResponseAnnotations annotations) {
            // runs on the completing (compute) thread, where the backend knows what the batch ran with
            return response.thenApply(r -> withParameters(r, annotations.responseParameters()));
        }
        return response;
    }

    private static InferenceResponse withParameters(InferenceResponse r, Map<String, Object> added) {
        if (added.isEmpty()) {
            return r;
        }
        Map<String, Object> parameters = new HashMap<>(r.parameters());
        parameters.putAll(added);
        return new InferenceResponse(r.modelName(), r.modelVersion(), r.id(), r.outputs(), parameters);
    }

    /** The backend's model, for components that need more than serving (e.g. calibration). */
    public BackendModel backendModel() {
        return backendModel;
    }

    @Override
    public void close() {
        scheduler.close();
        backendModel.close();
        stats.unregister();
    }
}
