package io.tare.server.quantize;

import io.tare.proto.onnx.ModelProto;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Layer-wise sensitivity: each layer quantized alone (everything else FP32), the model's output
 * compared with FP32's on the evaluation set. Low SQNR means the layer loses much when quantized,
 * so it is the first candidate to keep in FP32.
 */
final class LayerSensitivity {

    /** One layer's result. */
    record Entry(QuantizableLayer layer, ModelScore score) {
    }

    private LayerSensitivity() {
    }

    static List<Entry> measure(ModelProto fp32, PlanBuilder plans, Evaluation eval, ProgressBar progress) {
        List<Entry> out = new ArrayList<>();
        progress.start(plans.layers().size());
        for (QuantizableLayer l : plans.layers()) {
            ModelProto one = QdqExporter.export(fp32, plans.only(l)).model();
            out.add(new Entry(l, eval.score(one, "the export quantizing only " + l.name())));
            progress.update(out.size());
        }
        progress.finish();
        return out;
    }

    /** Most sensitive first (lowest output SQNR; ties by lower accuracy). */
    static List<Entry> mostSensitiveFirst(List<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingDouble((Entry e) -> e.score().comparison().sqnrDb())
                .thenComparingDouble(e -> Double.isNaN(e.score().accuracy()) ? 0 : e.score().accuracy()));
        return sorted;
    }
}
