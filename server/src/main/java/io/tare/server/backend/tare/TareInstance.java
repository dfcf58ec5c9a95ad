package io.tare.server.backend.tare;

import io.tare.server.backend.ModelInstance;
import io.tare.server.calibration.ActivationSampler;
import io.tare.server.calibration.SampleCapture;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One execution context: its own engine session (buffers), driven by one scheduler thread. When the
 * model swaps in a rebuilt engine model (a new scale table for a pre-quantized file, or promotion
 * to static INT8), the next batch opens a session on it; a batch already running finishes on the
 * model and table it started with.
 */
final class TareInstance implements ModelInstance {
    private final TareModel model;
    private final ActivationSampler sampler;
    private LoadedModel sessionModel;
    private LoadedModel.ModelSession session;

    TareInstance(TareModel model, ActivationSampler sampler) {
        this.model = model;
        this.sampler = sampler;
    }

    @Override
    public List<TensorData> execute(List<TensorData> inputs, List<String> outputNames) {
        TareModel.Serving serving = model.serving();
        if (serving.model() != sessionModel) {
            sessionModel = serving.model();
            session = sessionModel.newSession();
        }
        Map<String, Tensor> feeds = new HashMap<>();
        for (TensorData input : inputs) {
            feeds.put(input.name(), TensorConversion.toEngine(input));
        }
        model.noteVersionOnThisThread(serving);
        SampleCapture capture = sampler == null ? null : sampler.begin();
        Map<String, Tensor> results;
        long start = System.nanoTime();
        try {
            results = session.run(feeds);
        } catch (EngineException | IllegalArgumentException e) {
            throw new TareException(ErrorCode.INTERNAL, "tare engine failed on model '" + model.name() + "': "
                    + e.getMessage(), e);
        } finally {
            if (capture != null) {
                sampler.end(capture);
            }
            if (sampler != null) {
                sampler.recordServing(System.nanoTime() - start);
            }
        }
        List<TensorData> outputs = new ArrayList<>(outputNames.size());
        for (String name : outputNames) {
            Tensor t = results.get(name);
            if (t == null) {
                throw new TareException(ErrorCode.INTERNAL, "tare engine returned no output '" + name + "'");
            }
            outputs.add(TensorConversion.fromEngine(name, t));
        }
        if (capture != null) {
            // the engine handed these tensors to us: retaining them costs no copy
            sampler.handOff(capture, feeds, results, serving.version());
        }
        return outputs;
    }

    @Override
    public void close() {
        session = null;
        sessionModel = null;
    }
}
