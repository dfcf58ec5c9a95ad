package io.tare.server.frontend.http;

import io.tare.server.repository.ServedModel;
import io.tare.server.scheduler.ModelStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;

/**
 * Model statistics in Triton's REST shape:
 * {@code {"model_stats":[{"name","version","last_inference","inference_count","execution_count",
 * "inference_stats":{...},"batch_stats":[...]}]}}, numbers as JSON numbers.
 */
final class StatisticsJson {
    private StatisticsJson() {
    }

    static JsonObject of(Collection<ServedModel> models) {
        JsonArray stats = new JsonArray();
        models.forEach(m -> stats.add(of(m)));
        return new JsonObject().put("model_stats", stats);
    }

    private static JsonObject of(ServedModel model) {
        ModelStats.Snapshot s = model.stats().snapshot();
        // Backends time one execute() call, copies in and out included: that time is reported as
        // compute_infer, and compute_input / compute_output stay at zero rather than invent a split.
        JsonObject inference = new JsonObject()
                .put("success", duration(s.successCount(), s.successNanos()))
                .put("fail", duration(s.failCount(), s.failNanos()))
                .put("queue", duration(s.queueCount(), s.queueNanos()))
                .put("compute_input", duration(0, 0))
                .put("compute_infer", duration(s.computeCount(), s.computeNanos()))
                .put("compute_output", duration(0, 0));
        JsonArray batches = new JsonArray();
        s.batchCountAndNanos().forEach((size, countAndNanos) -> batches.add(new JsonObject()
                .put("batch_size", size)
                .put("compute_input", duration(0, 0))
                .put("compute_infer", duration(countAndNanos[0], countAndNanos[1]))
                .put("compute_output", duration(0, 0))));
        return new JsonObject()
                .put("name", model.name())
                .put("version", model.version())
                .put("last_inference", s.lastInferenceMillis())
                .put("inference_count", s.inferenceCount())
                .put("execution_count", s.executionCount())
                .put("inference_stats", inference)
                .put("batch_stats", batches);
    }

    private static JsonObject duration(long count, long nanos) {
        return new JsonObject().put("count", count).put("ns", nanos);
    }
}
