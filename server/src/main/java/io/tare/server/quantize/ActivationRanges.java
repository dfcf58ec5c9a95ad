package io.tare.server.quantize;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.ClipRange;
import io.tare.kernels.calibration.RangeMethod;
import io.tare.kernels.calibration.ScaleZeroPoint;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Applies one {@link RangeMethod} to the calibrated histograms of the activations being quantized. */
public final class ActivationRanges {

    /** The clip range a method chose for one activation, and the scale / zero point it becomes. */
    public record Choice(ClipRange range, ScaleZeroPoint params) {
    }

    private ActivationRanges() {
    }

    public static Map<String, Choice> choose(Calibration calibration, Collection<String> tensors, RangeMethod method,
                                             ActivationEncoding encoding) {
        Map<String, Choice> out = new LinkedHashMap<>();
        for (String t : tensors) {
            if (out.containsKey(t)) {
                continue;
            }
            ClipRange r = method.range(calibration.histogram(t), encoding);
            out.put(t, new Choice(r, r.toScaleZeroPoint(encoding)));
        }
        return out;
    }

    /** Just the scale / zero points of {@link #choose}'s result. */
    public static Map<String, ScaleZeroPoint> params(Map<String, Choice> choices) {
        Map<String, ScaleZeroPoint> out = new LinkedHashMap<>();
        choices.forEach((k, v) -> out.put(k, v.params()));
        return out;
    }
}
