package io.tare.server.calibration;

import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.quant.ScaleTable;
import java.util.List;

/**
 * What calibration needs from a served model: its active scale table, a way to swap in another
 * atomically, and separate engine models (never the served one) to check candidates on.
 * Implemented by the tare backend's model.
 */
public interface ScaleTarget {
    String modelName();

    /** The table requests use now, or {@code null} while the model serves without one (FP32/dynamic). */
    ScaleTable activeTable();

    /**
     * Serves {@code table} from the next batch on; batches already running finish on the table they
     * started with. Called from the calibration thread only.
     *
     * @throws IllegalArgumentException when the version is not higher than the active one
     */
    void install(ScaleTable table);

    /**
     * Serves as the model did before it had any table (FP32 or dynamic INT8) from the next batch on;
     * batches already running finish as they started. For rolling back a cold-start promotion.
     * Called from the calibration thread only.
     */
    void serveWithoutTable();

    /** A separate model serving with {@code table} ({@code null}: as the model serves without one), no tap. */
    LoadedModel shadow(ScaleTable table);

    /** The float reference (activations never rounded), built once. */
    LoadedModel reference();

    /** The outputs quality is judged on (the first float output matters most). */
    List<String> outputNames();

    /** Whether a table may add quantization points the active table lacks (false for pre-quantized files). */
    boolean acceptsNewPoints();
}
