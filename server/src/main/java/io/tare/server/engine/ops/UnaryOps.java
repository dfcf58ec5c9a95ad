package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * Element-wise functions of one tensor: activations (Relu, LeakyRelu, Sigmoid, Tanh, Gelu,
 * HardSigmoid, HardSwish, Elu, Softplus), math (Exp, Log, Sqrt, Erf, Neg, Abs, Reciprocal, Round,
 * Floor, Ceil, Sin, Cos), Clip and Identity.
 *
 * <p>Floating functions are evaluated in double and rounded once to the tensor's type. Functions
 * that make sense on integers (Neg, Abs, Relu, Clip, Identity) keep integer types exact.
 */
public final class UnaryOps {
    private UnaryOps() {
    }

    public static void register(OperatorRegistry r) {
        math(r, "Exp", Math::exp);
        math(r, "Log", Math::log);
        math(r, "Sqrt", Math::sqrt);
        // float erf rounds as ONNX Runtime's does (see OnnxRuntimeParity); other types in double
        r.register("Erf", 6, s -> ctx -> applyFloat(ctx, OnnxRuntimeParity::erf, Erf::erf));
        math(r, "Sigmoid", x -> x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x)));
        math(r, "Tanh", Math::tanh);
        math(r, "Reciprocal", x -> 1.0 / x);
        math(r, "Floor", Math::floor);
        math(r, "Ceil", Math::ceil);
        math(r, "Round", Math::rint); // half to even, as ONNX specifies
        math(r, "Sin", Math::sin);
        math(r, "Cos", Math::cos);
        math(r, "Softplus", x -> x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
        r.register("Neg", 6, s -> ctx -> apply(ctx, x -> -x, x -> -x));
        r.register("Abs", 6, s -> ctx -> apply(ctx, Math::abs, Math::abs));
        r.register("Relu", 6, s -> ctx -> relu(ctx));
        r.register("LeakyRelu", 6, s -> {
            double alpha = s.attrs().getFloat("alpha", 0.01f);
            return ctx -> apply(ctx, x -> x >= 0 ? x : alpha * x, null);
        });
        r.register("Elu", 6, s -> {
            double alpha = s.attrs().getFloat("alpha", 1.0f);
            return ctx -> apply(ctx, x -> x >= 0 ? x : alpha * (Math.exp(x) - 1), null);
        });
        r.register("HardSigmoid", 6, s -> {
            double alpha = s.attrs().getFloat("alpha", 0.2f);
            double beta = s.attrs().getFloat("beta", 0.5f);
            return ctx -> apply(ctx, x -> Math.max(0, Math.min(1, alpha * x + beta)), null);
        });
        r.register("HardSwish", 14, s -> ctx -> apply(ctx,
                x -> x * Math.max(0, Math.min(1, x / 6.0 + 0.5)), null));
        r.register("Gelu", 20, s -> {
            String approximate = s.attrs().getString("approximate", "none");
            if (approximate.equals("none")) {
                return ctx -> applyFloat(ctx, exactGelu(s.attrs()), x -> 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2))));
            }
            DoubleUnaryOperator f = switch (approximate) {
                case "tanh" -> x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
                default -> throw s.unsupported("approximate='" + approximate + "'");
            };
            return ctx -> apply(ctx, f, null);
        });
        r.register("Identity", 1, s -> UnaryOps::identity);
        r.register("Clip", 6, s -> {
            if (s.opset() < 11) { // bounds were attributes before opset 11
                float min = s.attrs().getFloat("min", -Float.MAX_VALUE);
                float max = s.attrs().getFloat("max", Float.MAX_VALUE);
                return ctx -> apply(ctx, x -> Math.min(Math.max(x, min), max), null);
            }
            return UnaryOps::clip;
        });
    }

    /** Attribute {@link io.tare.server.engine.passes.GeluFusion} sets: the constant x was divided by. */
    public static final String GELU_DIVISOR = "tare_erf_input_divisor";
    /** Attribute {@link io.tare.server.engine.passes.GeluFusion} sets: the constant x was multiplied by. */
    public static final String GELU_MULTIPLIER = "tare_erf_input_multiplier";
    /** The float 1/sqrt(2) ONNX Runtime's Gelu scales by. */
    private static final float SQRT1_2 = (float) (1 / Math.sqrt(2));

    /**
     * Exact GELU in float, in the order of operations that produced it, so that the result has the
     * same bits as ONNX Runtime's: a Gelu that {@code GeluFusion} made from the exported expansion
     * evaluates {@code (x * (erf(x / c) + 1)) * 0.5} (or {@code x * c}) with the model's constant,
     * as the expansion's nodes did; a native Gelu node evaluates {@code (0.5 * x) * (erf(x * 1/sqrt 2) + 1)},
     * ONNX Runtime's Gelu kernel.
     */
    private static FloatUnaryOperator exactGelu(io.tare.server.engine.graph.Attributes attrs) {
        if (attrs.has(GELU_DIVISOR)) {
            float d = attrs.getFloat(GELU_DIVISOR, 0f);
            return x -> (x * (OnnxRuntimeParity.erf(x / d) + 1f)) * 0.5f;
        }
        if (attrs.has(GELU_MULTIPLIER)) {
            float m = attrs.getFloat(GELU_MULTIPLIER, 0f);
            return x -> (x * (OnnxRuntimeParity.erf(x * m) + 1f)) * 0.5f;
        }
        return x -> (0.5f * x) * (OnnxRuntimeParity.erf(x * SQRT1_2) + 1f);
    }

    /** A float-to-float function, evaluated in float arithmetic. */
    @FunctionalInterface
    interface FloatUnaryOperator {
        float apply(float x);
    }

    /** {@code f} on FLOAT tensors, {@code wide} in double on the other floating types. */
    private static void applyFloat(OpContext ctx, FloatUnaryOperator f, DoubleUnaryOperator wide) {
        Tensor x = ctx.input(0);
        if (x.type() != DataType.FLOAT) {
            apply(ctx, wide, null);
            return;
        }
        Tensor y = ctx.output(0, x.type(), x.shape());
        float[] in = x.floats();
        float[] out = y.floats();
        for (int i = 0, n = x.size(); i < n; i++) {
            out[i] = f.apply(in[i]);
        }
    }

    private static void math(OperatorRegistry r, String name, DoubleUnaryOperator f) {
        r.register(name, 6, s -> ctx -> apply(ctx, f, null));
    }

    /**
     * Applies {@code f} to floating inputs, or {@code g} to integer inputs.
     *
     * @param g the integer version, or {@code null} when the function is defined for floats only
     */
    static void apply(OpContext ctx, DoubleUnaryOperator f, LongUnaryOperator g) {
        Tensor x = ctx.input(0);
        Tensor y = ctx.output(0, x.type(), x.shape());
        int n = x.size();
        if (x.type() == DataType.FLOAT) {
            float[] in = x.floats();
            float[] out = y.floats();
            for (int i = 0; i < n; i++) {
                out[i] = (float) f.applyAsDouble(in[i]);
            }
        } else if (x.type().isFloatingPoint()) {
            for (int i = 0; i < n; i++) {
                y.setDouble(i, f.applyAsDouble(x.getDouble(i)));
            }
        } else if (g != null) {
            for (int i = 0; i < n; i++) {
                y.setLong(i, g.applyAsLong(x.getLong(i)));
            }
        } else {
            throw new EngineException("not defined for " + x.type() + " inputs");
        }
    }

    private static void relu(OpContext ctx) {
        Tensor x = ctx.input(0);
        if (x.type() != DataType.FLOAT) {
            apply(ctx, v -> Math.max(v, 0), v -> Math.max(v, 0));
            return;
        }
        Tensor y = ctx.output(0, x.type(), x.shape());
        float[] in = x.floats();
        float[] out = y.floats();
        for (int i = 0, n = x.size(); i < n; i++) {
            out[i] = Math.max(in[i], 0f);
        }
    }

    private static void identity(OpContext ctx) {
        Tensor x = ctx.input(0);
        Tensor y = ctx.output(0, x.type(), x.shape());
        System.arraycopy(x.data(), 0, y.data(), 0, x.size());
    }

    private static void clip(OpContext ctx) {
        Tensor x = ctx.input(0);
        Tensor min = ctx.input(1);
        Tensor max = ctx.input(2);
        Tensor y = ctx.output(0, x.type(), x.shape());
        int n = x.size();
        if (x.type().isFloatingPoint()) {
            double lo = min == null ? Double.NEGATIVE_INFINITY : min.getDouble(0);
            double hi = max == null ? Double.POSITIVE_INFINITY : max.getDouble(0);
            for (int i = 0; i < n; i++) {
                double v = x.getDouble(i);
                // when min > max every value becomes max, as the spec says: clip(x) = min(max(x, lo), hi)
                y.setDouble(i, Double.isNaN(v) ? v : Math.min(Math.max(v, lo), hi));
            }
        } else {
            long lo = min == null ? Long.MIN_VALUE : min.getLong(0);
            long hi = max == null ? Long.MAX_VALUE : max.getLong(0);
            for (int i = 0; i < n; i++) {
                y.setLong(i, Math.min(Math.max(x.getLong(i), lo), hi));
            }
        }
    }
}
