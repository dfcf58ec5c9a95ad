package io.tare.server.calibration;

import io.tare.server.engine.Tensor;
import java.util.Map;

/**
 * The tapped build of the model version that served a sampled batch: running it on the batch's
 * inputs passes every activation at a quantization point through the sampler's tap. Run on the
 * calibration thread, so the request itself never pays for the tapped build.
 */
@FunctionalInterface
public interface TappedRun {
    void run(Map<String, Tensor> inputs);
}
