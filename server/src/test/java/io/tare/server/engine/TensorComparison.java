package io.tare.server.engine;

import java.util.Arrays;

/**
 * Compares an engine output with a reference the way ONNX's backend tests do: same type and shape,
 * integers and booleans exactly, floats within {@code atol + rtol * |expected|} (NaN equals NaN).
 */
public final class TensorComparison {
    private TensorComparison() {
    }

    /** Returns {@code null} when equal within tolerance, else a description of the first mismatch. */
    public static String mismatch(Tensor expected, Tensor actual, double rtol, double atol) {
        if (expected.type() != actual.type()) {
            return "type " + actual.type() + ", expected " + expected.type();
        }
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            return "shape " + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(expected.shape());
        }
        int bad = 0;
        String first = null;
        for (int i = 0; i < expected.size(); i++) {
            boolean ok;
            if (expected.type().isFloatingPoint()) {
                double e = expected.getDouble(i);
                double a = actual.getDouble(i);
                ok = (Double.isNaN(e) && Double.isNaN(a)) || e == a || Math.abs(a - e) <= atol + rtol * Math.abs(e);
            } else {
                ok = expected.getLong(i) == actual.getLong(i);
            }
            if (!ok) {
                if (first == null) {
                    first = "element " + i + ": got " + actual.getDouble(i) + ", expected " + expected.getDouble(i);
                }
                bad++;
            }
        }
        return bad == 0 ? null : bad + " of " + expected.size() + " elements differ; first " + first;
    }
}
