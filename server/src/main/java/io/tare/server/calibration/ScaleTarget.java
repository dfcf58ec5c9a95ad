package io.tare.server.calibration;

import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.quant.ScaleTable;
import java.util.List;

/**
 * What calibration needs from a served model: its active scale table, a way to swap in another
 * atomically, and separate engine models to check candidates on. Engine models are immutable once
 * built (a new table means a new build), so the one requests run on also measures the active
 * table, and a candidate's build that wins the guard is the one installed. Implemented by the tare
 * backend's model.
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
     * As {@link #install(ScaleTable)}, with {@code built}, a {@link #shadow} of {@code table}, as the
     * model requests run on (so the guard's build is not repeated).
     */
    void install(ScaleTable table, LoadedModel built);

    /** The untapped engine model requests run on now (with the active table, or none). */
    LoadedModel servedModel();

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
