package io.tare.server.quantize;

import io.tare.kernels.calibration.TensorHistogram;
import java.util.Map;

/**
 * What one calibration pass over the data saw: a fixed-bin histogram per float activation (graph
 * order), per-channel statistics for the activations entering quantizable layers, and how many
 * samples it took.
 *
 * @param histograms per activation name, in graph order
 * @param channels   per layer activation name; empty when not collected
 * @param samples    calibration samples run
 * @param seconds    wall time of the pass
 */
public record Calibration(Map<String, TensorHistogram> histograms, Map<String, ChannelStats> channels, long samples,
                          double seconds) {

    /** The histogram of {@code tensor}. @throws QuantizeException when it was not recorded */
    public TensorHistogram histogram(String tensor) {
        TensorHistogram h = histograms.get(tensor);
        if (h == null) {
            throw new QuantizeException("no calibration statistics for tensor '" + tensor + "'");
        }
        return h;
    }
}
