package io.tare.server.quantize;

import io.tare.proto.onnx.ModelProto;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Keeps the most sensitive layers in FP32 until the quantized model meets its budget: a largest
 * accepted top-1 accuracy loss against FP32, or a smallest output SQNR against FP32, or both.
 *
 * <p>Search: (1) the fully quantized model; if it meets the budget nothing stays FP32. (2) Layers
 * are moved to FP32 one at a time, most sensitive first ({@link LayerSensitivity}), until the
 * budget is met. (3) Each layer of that set is tried back in INT8, least sensitive first, and
 * stays INT8 when the budget still holds. The result is minimal in the sense that no single
 * layer of it can return to INT8 without breaking the budget; it is not an exhaustive search over
 * all subsets. Every model evaluated is recorded as a step for the report.
 */
public final class MixedPrecisionSearch {

    /** One evaluated configuration. */
    public record Step(List<String> fp32Layers, ModelScore score, boolean meets) {
    }

    /** The layers kept FP32, the final score, and the steps taken. */
    public record Result(Set<String> fp32Layers, ModelScore score, boolean met, List<Step> steps, double accuracyBudget,
                  double sqnrTarget) {
    }

    private MixedPrecisionSearch() {
    }

    static Result run(ModelProto fp32, PlanBuilder plans, Evaluation eval, List<LayerSensitivity.Entry> sensitivity,
                      double accuracyBudget, double sqnrTarget, ProgressBar progress) {
        List<Step> steps = new ArrayList<>();
        List<LayerSensitivity.Entry> order = LayerSensitivity.mostSensitiveFirst(sensitivity);
        Set<String> keep = new LinkedHashSet<>();
        progress.start(order.size() * 2L + 1);
        Step current = evaluate(fp32, plans, eval, keep, accuracyBudget, sqnrTarget, steps);
        for (LayerSensitivity.Entry e : order) {
            if (current.meets() || keep.size() == order.size() - 1) {
                break;
            }
            keep.add(e.layer().name());
            current = evaluate(fp32, plans, eval, keep, accuracyBudget, sqnrTarget, steps);
            progress.update(steps.size());
        }
        if (current.meets() && keep.size() > 1) {
            List<String> leastSensitiveFirst = new ArrayList<>(keep).reversed();
            for (String name : leastSensitiveFirst) {
                Set<String> trial = new LinkedHashSet<>(keep);
                trial.remove(name);
                Step s = evaluate(fp32, plans, eval, trial, accuracyBudget, sqnrTarget, steps);
                progress.update(steps.size());
                if (s.meets()) {
                    keep = trial;
                    current = s;
                }
            }
        }
        progress.finish();
        return new Result(keep, current.score(), current.meets(), steps, accuracyBudget, sqnrTarget);
    }

    private static Step evaluate(ModelProto fp32, PlanBuilder plans, Evaluation eval, Set<String> keep, double accuracyBudget,
                                 double sqnrTarget, List<Step> steps) {
        ModelScore s = eval.score(QdqExporter.export(fp32, plans.plan(keep)).model(),
                "the export keeping " + keep + " in FP32");
        boolean meets = true;
        if (!Double.isNaN(accuracyBudget)) {
            meets = eval.fp32Accuracy() - s.accuracy() <= accuracyBudget + 1e-12;
        }
        if (!Double.isNaN(sqnrTarget)) {
            meets &= s.comparison().sqnrDb() >= sqnrTarget;
        }
        Step step = new Step(List.copyOf(keep), s, meets);
        steps.add(step);
        return step;
    }
}
