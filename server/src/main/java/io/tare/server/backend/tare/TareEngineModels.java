package io.tare.server.backend.tare;

import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.ExecutionMode;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.quant.QuantizationTap;
import io.tare.server.engine.quant.ScaleTable;
import io.tare.server.onnx.OnnxModelReader;
import java.nio.file.Path;

/**
 * Builds the engine models of one ONNX file: the served model for a given activation scale table,
 * and the float reference that calibration checks candidate tables against.
 *
 * <p>Two kinds of file:
 * <ul>
 *   <li>pre-quantized (QDQ or torch INT8): its QuantizeLinear scales are the quantization points;
 *       a table is applied by rewriting them ({@link QdqQuantizationPoints}) and the graph runs in
 *       the engine's FP32 mode, i.e. natively in INT8;</li>
 *   <li>float: without a table it runs in the requested FP32 or DYNAMIC mode; with one, in STATIC
 *       mode, and later tables go through {@link LoadedModel#updateScaleTable} without a reload.</li>
 * </ul>
 * Thread-safe: every build reads the file afresh (the engine takes its graph over).
 */
final class TareEngineModels {
    private final Path file;
    private final TareModelParameters parameters;
    private final ScaleTable ownTable;

    TareEngineModels(Path file, TareModelParameters parameters) {
        this.file = file;
        this.parameters = parameters;
        ScaleTable own = QdqQuantizationPoints.tableOf(read());
        this.ownTable = own.entries().isEmpty() ? null : own;
    }

    /** The file's own activation scales (version 0) when it is pre-quantized, else null. */
    ScaleTable ownTable() {
        return ownTable;
    }

    boolean preQuantized() {
        return ownTable != null;
    }

    /** A model serving with {@code table} (null: no table, the requested fp32/dynamic mode). */
    LoadedModel build(ScaleTable table, QuantizationTap tap) {
        EngineOptions options = EngineOptions.DEFAULT.withPerRowActivations(parameters.perRowActivations()).withTap(tap);
        if (preQuantized()) {
            Graph graph = read();
            if (table != null) {
                QdqQuantizationPoints.apply(graph, table);
            }
            ExecutionMode mode = parameters.mode() == TareModelParameters.Mode.DYNAMIC ? ExecutionMode.DYNAMIC
                    : ExecutionMode.FP32;
            return Engine.load(graph, options.withMode(mode));
        }
        if (table != null) {
            return Engine.load(file, options.withStatic(table));
        }
        ExecutionMode mode = parameters.mode() == TareModelParameters.Mode.FP32 ? ExecutionMode.FP32
                : ExecutionMode.DYNAMIC;
        return Engine.load(file, options.withMode(mode));
    }

    /**
     * Whether {@code current} (built by {@link #build}) can take {@code table} in place through
     * {@link LoadedModel#updateScaleTable}: only a float file already in STATIC mode can.
     */
    boolean updatableInPlace(LoadedModel current) {
        return !preQuantized() && current.options().mode() == ExecutionMode.STATIC;
    }

    /** The float reference: activations never rounded (a pre-quantized file keeps its 8-bit weights). */
    LoadedModel reference() {
        Graph graph = read();
        if (preQuantized()) {
            QdqQuantizationPoints.removeActivationQuantization(graph);
        }
        return Engine.load(graph, EngineOptions.DEFAULT.withMode(ExecutionMode.FP32));
    }

    private Graph read() {
        return new OnnxModelReader().read(file);
    }
}
