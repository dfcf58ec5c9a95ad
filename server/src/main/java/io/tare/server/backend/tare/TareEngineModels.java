package io.tare.server.backend.tare;

import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.proto.onnx.ModelProto;
import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.ExecutionMode;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.quant.QuantizationTap;
import io.tare.server.engine.quant.ScaleTable;
import io.tare.server.onnx.OnnxModelReader;
import io.tare.server.quantize.ModelProtoFile;
import io.tare.server.quantize.QdqPromotion;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Builds the engine models of one ONNX file: the served model for a given activation scale table,
 * and the float reference that calibration checks candidate tables against.
 *
 * <p>Two kinds of file:
 * <ul>
 *   <li>pre-quantized (QDQ or torch INT8): its QuantizeLinear scales are the quantization points;
 *       a table is applied by rewriting them ({@link QdqQuantizationPoints}) and the graph runs in
 *       the engine's FP32 mode, i.e. natively in INT8;</li>
 *   <li>float: without a table it runs in the requested FP32 or DYNAMIC mode; with one, it is
 *       promoted: rewritten into a QDQ graph with the table's scales ({@link QdqPromotion}, the
 *       layout of PyTorch's INT8 exports) and run like a pre-quantized file, so the engine's 8-bit
 *       fusions apply. Its tapped build also taps the residual joins the promotion quantizes
 *       ({@link TapPointInsertion}), so calibration has their statistics before the first table.</li>
 * </ul>
 * Thread-safe: every build reads the file afresh (the engine takes its graph over). Public so that
 * {@code tare bench model} measures exactly what the server runs.
 */
public final class TareEngineModels {
    private final Path file;
    private final TareModelParameters parameters;
    /** Options every build starts from (the server's: {@link EngineOptions#DEFAULT}, one thread). */
    private final EngineOptions base;
    private final ScaleTable ownTable;
    /** Float files: the values only a promotion quantizes (empty for pre-quantized files). */
    private final Set<String> joinValues;

    TareEngineModels(Path file, TareModelParameters parameters) {
        this(file, parameters, EngineOptions.DEFAULT);
    }

    /** @param base options every build starts from; mode, tap and the parameters' settings are set per build */
    public TareEngineModels(Path file, TareModelParameters parameters, EngineOptions base) {
        this.file = file;
        this.parameters = parameters;
        this.base = base;
        ScaleTable own = QdqQuantizationPoints.tableOf(read());
        this.ownTable = own.entries().isEmpty() ? null : own;
        this.joinValues = ownTable == null ? QdqPromotion.joinValues(readProto()) : Set.of();
    }

    /** The file's own activation scales (version 0) when it is pre-quantized, else null. */
    public ScaleTable ownTable() {
        return ownTable;
    }

    public boolean preQuantized() {
        return ownTable != null;
    }

    /** A model serving with {@code table} (null: no table, the requested fp32/dynamic mode). */
    public LoadedModel build(ScaleTable table, QuantizationTap tap) {
        EngineOptions options = base.withPerRowActivations(parameters.perRowActivations()).withTap(tap)
                .withWeightBits(parameters.weightBits());
        if (preQuantized()) {
            Graph graph = read();
            if (table != null) {
                QdqQuantizationPoints.apply(graph, table);
            }
            return Engine.load(graph, options.withMode(quantizedGraphMode()));
        }
        if (table != null) {
            ModelProto promoted = QdqPromotion.promote(readProto(), scales(table), parameters.weightBits());
            return Engine.load(new OnnxModelReader().read(promoted), options.withMode(quantizedGraphMode()));
        }
        ExecutionMode mode = parameters.mode() == TareModelParameters.Mode.FP32 ? ExecutionMode.FP32
                : ExecutionMode.DYNAMIC;
        if (tap != QuantizationTap.NONE && !joinValues.isEmpty()) {
            ModelProto tapped = TapPointInsertion.insert(readProto(), joinValues);
            return Engine.load(new OnnxModelReader().read(tapped), options.withMode(mode));
        }
        return Engine.load(file, options.withMode(mode));
    }

    /** A QDQ graph's layers run INT8 as the graph says; DYNAMIC also quantizes its float layers. */
    private ExecutionMode quantizedGraphMode() {
        return parameters.mode() == TareModelParameters.Mode.DYNAMIC ? ExecutionMode.DYNAMIC : ExecutionMode.FP32;
    }

    private static Map<String, ScaleZeroPoint> scales(ScaleTable table) {
        Map<String, ScaleZeroPoint> scales = new LinkedHashMap<>();
        table.entries().forEach((tensor, r) -> scales.put(tensor, new ScaleZeroPoint(r.scale(), r.zeroPoint())));
        return scales;
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

    private ModelProto readProto() {
        return ModelProtoFile.read(file);
    }
}
