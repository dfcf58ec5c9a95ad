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

    /**
     * Why these inputs must not drive a change, or null: any non-finite input value, or more than a
     * quarter of the batches with a constant input (all values equal, e.g. blank images). Such
     * traffic may sit inside the active range, where range checks cannot see it.
     */
    static String suspicious(List<Batch> batches) {
        int constant = 0;
        for (Batch b : batches) {
            for (var e : b.inputs.entrySet()) {
                Tensor t = e.getValue();
                if (t.type() != io.tare.server.engine.DataType.FLOAT || t.size() == 0) {
                    continue;
                }
                float[] v = t.floats();
                float first = v[0];
                boolean same = true;
                for (int i = 0; i < t.size(); i++) {
                    if (!Float.isFinite(v[i])) {
                        return "non-finite values in input '" + e.getKey() + "' of a recent batch";
                    }
                    same &= v[i] == first;
                }
                constant += same ? 1 : 0;
            }
        }
        if (constant * 4 > batches.size()) {
            return "degenerate inputs: " + constant + " of " + batches.size() + " recent batches are constant";
        }
        return null;
    }

    /** A snapshot of the batches now held. */
    List<Batch> snapshot() {
        return new ArrayList<>(batches);
    }
}
