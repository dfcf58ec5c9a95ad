package io.tare.server.calibration;

import io.tare.server.engine.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What one sampled batch left behind: a copy of every activation at a quantization point (each
 * tensor once, however many layers read it), and the batch's inputs and outputs (for the refresh
 * guard and the live quality watch). Filled by one compute thread, then handed to the calibration
 * thread; never shared by both at once.
 */
public final class SampleCapture {
    private final List<String> tensors = new ArrayList<>();
    private final List<float[]> values = new ArrayList<>();
    private Map<String, Tensor> inputs = Map.of();
    private Map<String, Tensor> outputs = Map.of();
    private long scaleVersion = -1;

    SampleCapture() {
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

    void finish(Map<String, Tensor> in, Map<String, Tensor> out, long version) {
        this.inputs = in;
        this.outputs = out;
        this.scaleVersion = version;
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
