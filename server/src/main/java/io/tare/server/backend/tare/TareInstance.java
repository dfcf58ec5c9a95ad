package io.tare.server.backend.tare;

import io.tare.server.backend.ModelInstance;
import io.tare.server.calibration.ActivationSampler;
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
 * One execution context: its own engine session (buffers), driven by one scheduler thread. Every
 * batch runs on the untapped (fully fused) model; a batch the sampler picks is then handed to the
 * calibration thread, which replays it on the tapped build. When the model swaps in rebuilt engine
 * models (a new scale table for a pre-quantized file, or promotion to static INT8), the next batch
 * opens a session on them; a batch already running finishes on the model and table it started with.
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
        Map<String, Tensor> feeds = new HashMap<>();
        for (TensorData input : inputs) {
            feeds.put(input.name(), TensorConversion.toEngine(input));
        }
        model.noteVersionOnThisThread(serving);
        Map<String, Tensor> results;
        long start = System.nanoTime();
        try {
            results = sessionOn(serving.model()).run(feeds);
        } catch (EngineException | IllegalArgumentException e) {
            throw new TareException(ErrorCode.INTERNAL, "tare engine failed on model '" + model.name() + "': "
                    + e.getMessage(), e);
        } finally {
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
        if (sampler != null && sampler.samples()) {
            // the engine handed these tensors to us and nothing else keeps them: no copy
            LoadedModel tapped = serving.sampled();
            sampler.handOff(feeds, results, serving.version(), tapped::run);
        }
        return outputs;
    }

    private LoadedModel.ModelSession sessionOn(LoadedModel m) {
        if (m != sessionModel) {
            sessionModel = m;
            session = m.newSession();
        }
        return session;
    }

    @Override
    public void close() {
        sessionModel = null;
        session = null;
    }
}
