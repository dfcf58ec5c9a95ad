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
 * One execution context: its own engine sessions (buffers), driven by one scheduler thread. A batch
 * the sampler picks runs on the tapped model, every other batch on the untapped (fully fused) one.
 * When the model swaps in rebuilt engine models (a new scale table for a pre-quantized file, or
 * promotion to static INT8), the next batch opens a session on them; a batch already running
 * finishes on the model and table it started with.
 */
final class TareInstance implements ModelInstance {
    private final TareModel model;
    private final ActivationSampler sampler;
    private final SessionSlot plain = new SessionSlot();
    private final SessionSlot sampled = new SessionSlot();

    /** The session of one engine model, reopened when the model is replaced. */
    private static final class SessionSlot {
        private LoadedModel model;
        private LoadedModel.ModelSession session;

        LoadedModel.ModelSession on(LoadedModel m) {
            if (m != model) {
                model = m;
                session = m.newSession();
            }
            return session;
        }

        void clear() {
            model = null;
            session = null;
        }
    }

    TareInstance(TareModel model, ActivationSampler sampler) {
        this.model = model;
        this.sampler = sampler;
    }

    @Override
    public List<TensorData> execute(List<TensorData> inputs, List<String> outputNames) {
        TareModel.Serving serving = model.serving();
        Map<String, Tensor> feeds = new HashMap<>();
        long inputElements = 0;
        for (TensorData input : inputs) {
            Tensor t = TensorConversion.toEngine(input);
            feeds.put(input.name(), t);
            inputElements += t.size();
        }
        model.noteVersionOnThisThread(serving);
        SampleCapture capture = sampler == null ? null : sampler.begin();
        LoadedModel.ModelSession session = capture == null ? plain.on(serving.model())
                : sampled.on(serving.sampled());
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
                sampler.recordRun(capture, inputElements, System.nanoTime() - start);
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
        plain.clear();
        sampled.clear();
    }
}
