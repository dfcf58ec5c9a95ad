package io.tare.server.calibration;

import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * The inputs of the most recent sampled batches, each with the float reference's outputs computed
 * once (lazily), for the refresh guard. Bounded; the oldest leaves first. Calibration thread only.
 */
final class RetainedInputs {
    /** One retained batch. */
    static final class Batch {
        final Map<String, Tensor> inputs;
        private Map<String, Tensor> reference;

        Batch(Map<String, Tensor> inputs) {
            this.inputs = inputs;
        }

        Map<String, Tensor> reference(LoadedModel referenceModel) {
            if (reference == null) {
                reference = referenceModel.run(inputs);
            }
            return reference;
        }
    }

    private final int capacity;
    private final Deque<Batch> batches = new ArrayDeque<>();

    RetainedInputs(int capacity) {
        this.capacity = capacity;
    }

    void add(Map<String, Tensor> inputs) {
        if (batches.size() == capacity) {
            batches.removeFirst();
        }
        batches.addLast(new Batch(inputs));
    }

    int size() {
        return batches.size();
    }

    void clear() {
        batches.clear();
    }

    /** A snapshot of the batches now held. */
    List<Batch> snapshot() {
        return new ArrayList<>(batches);
    }
}
