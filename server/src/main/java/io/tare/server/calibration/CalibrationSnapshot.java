package io.tare.server.calibration;

import io.tare.kernels.calibration.TensorHistogram;
import io.tare.server.engine.quant.ScaleTable;
import java.util.List;
import java.util.Map;

/**
 * A model's calibration state at one moment, detached from the calibration thread (histograms are
 * copies), as the gRPC stream, the SSE stream and the page show it.
 *
 * @param model          model name
 * @param timeMillis     when it was taken
 * @param version        active scale table version, or -1 while serving without a table
 * @param policy         the policy in force
 * @param samplesTaken   sampled batches handed to the calibration thread
 * @param samplesDropped sampled batches dropped because the calibration thread lagged
 * @param samplesProcessed sampled batches whose activations are in the histograms (taken ones lag
 *                       behind while the calibration thread replays them)
 * @param samplingCost   sampling cost so far as a fraction of serving time
 * @param accepted       automatic refreshes and promotions accepted
 * @param rejected       automatic refreshes refused by the checks or the guard
 * @param rolledBack     rollbacks (automatic and requested)
 * @param tensors        per quantization point
 * @param history        installed tables, oldest first
 * @param events         latest events, oldest first
 */
public record CalibrationSnapshot(String model, long timeMillis, long version, CalibrationPolicy policy,
                                  long samplesTaken, long samplesDropped, long samplesProcessed,
                                  double samplingCost, long accepted,
                                  long rejected, long rolledBack, List<TensorStats> tensors,
                                  List<HistoryEntry> history, List<CalibrationEvent> events) {

    /**
     * One quantization point.
     *
     * @param clipRate     saturated fraction of the window under the active scales, NaN when unknown
     * @param drift        Jensen-Shannon drift of the window from the active scales' reference, NaN when unknown
     * @param active       the active range, or null
     * @param candidates   each range method's choice on the window
     * @param window       the sliding window's histogram
     * @param sinceRefresh everything sampled since the active scales were set (exact, mergeable)
     */
    public record TensorStats(String tensor, double clipRate, double drift, ScaleTable.Range active,
                              Map<String, ScaleTable.Range> candidates, TensorHistogram window,
                              TensorHistogram sinceRefresh) {
    }

    /** One installed table. */
    public record HistoryEntry(long version, String source, long installedAtMillis, Map<String, ScaleTable.Range> entries) {
    }

    public TensorStats tensor(String name) {
        return tensors.stream().filter(t -> t.tensor().equals(name)).findFirst().orElse(null);
    }
}
