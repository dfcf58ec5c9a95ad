package io.tare.server.calibration;

import io.tare.server.engine.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One sampled batch: its inputs and outputs (for the refresh guard and the live quality watch),
 * the tapped build of the version that served it, and, once the calibration thread has replayed
 * it there, a copy of every activation at a quantization point (each tensor once, however many
 * layers read it). Created by the request thread, then owned by the calibration thread alone.
 */
public final class SampleCapture {
    private final List<String> tensors = new ArrayList<>();
    private final List<float[]> values = new ArrayList<>();
    private final Map<String, Tensor> inputs;
    private final Map<String, Tensor> outputs;
    private final long scaleVersion;
    private final TappedRun tapped;
    private final long reservedCost;

    SampleCapture(Map<String, Tensor> inputs, Map<String, Tensor> outputs, long scaleVersion, TappedRun tapped,
                  long reservedCost) {
        this.inputs = inputs;
        this.outputs = outputs;
        this.scaleVersion = scaleVersion;
        this.tapped = tapped;
        this.reservedCost = reservedCost;
    }

    /** The sampling budget reserved for processing this sample when it was handed off. */
    long reservedCost() {
        return reservedCost;
    }

    void add(String tensor, float[] copy) {
        if (!tensors.contains(tensor)) {
            tensors.add(tensor);
            values.add(copy);
        }
    }

    boolean has(String tensor) {
        return tensors.contains(tensor);
    }

    TappedRun tapped() {
        return tapped;
    }

    /** Names of the captured activations, in the order the run reached them. */
    public List<String> tensors() {
        return Collections.unmodifiableList(tensors);
    }

    /** The copied values of the {@code i}-th captured activation. */
    public float[] values(int i) {
        return values.get(i);
    }

    public Map<String, Tensor> inputs() {
        return inputs;
    }

    public Map<String, Tensor> outputs() {
        return outputs;
    }

    /** The scale table version the batch ran with, or -1 without one. */
    public long scaleVersion() {
        return scaleVersion;
    }
}
