package io.tare.server.engine.ops;

import io.tare.server.engine.graph.Attributes;

/**
 * An activation the fusion pass folded into the producing Conv/Gemm/MatMul node, applied while the
 * output is still in cache. Carried on the node as engine-private attributes ({@link #ATTR_KIND},
 * {@link #ATTR_ALPHA}, {@link #ATTR_BETA}); ONNX attribute names never start with "tare.", so
 * they cannot clash. Immutable.
 */
public final class FusedActivation {
    public static final String ATTR_KIND = "tare.activation";
    public static final String ATTR_ALPHA = "tare.activation_alpha";
    public static final String ATTR_BETA = "tare.activation_beta";

    /** Activations that can be fused. */
    public enum Kind { NONE, RELU, LEAKY_RELU, CLIP, SIGMOID, TANH, GELU }

    public static final FusedActivation NONE = new FusedActivation(Kind.NONE, 0, 0);

    private final Kind kind;
    private final float alpha;
    private final float beta;

    public FusedActivation(Kind kind, float alpha, float beta) {
        this.kind = kind;
        this.alpha = alpha;
        this.beta = beta;
    }

    /** The activation recorded on a node, {@link #NONE} when there is none. */
    public static FusedActivation from(NodeSetup s) {
        return from(s.attrs());
    }

    public static FusedActivation from(Attributes a) {
        if (!a.has(ATTR_KIND)) {
            return NONE;
        }
        return new FusedActivation(Kind.valueOf(a.getString(ATTR_KIND, "NONE")), a.getFloat(ATTR_ALPHA, 0),
                a.getFloat(ATTR_BETA, 0));
    }

    /** Attributes with this activation recorded. */
    public Attributes recordOn(Attributes a) {
        return a.with(ATTR_KIND, kind.name()).with(ATTR_ALPHA, alpha).with(ATTR_BETA, beta);
    }

    public Kind kind() {
        return kind;
    }

    public float apply(float v) {
        return switch (kind) {
            case NONE -> v;
            case RELU -> Math.max(v, 0f);
            case LEAKY_RELU -> v >= 0 ? v : alpha * v;
            case CLIP -> Math.min(Math.max(v, alpha), beta);
            case SIGMOID -> (float) (v >= 0 ? 1.0 / (1.0 + Math.exp(-v)) : Math.exp(v) / (1.0 + Math.exp(v)));
            case TANH -> (float) Math.tanh(v);
            case GELU -> io.tare.kernels.gemm.Activation.GELU.apply(v);
        };
    }

    /**
     * This activation as the kernels' GEMM epilogue applies it (while the result is in registers),
     * or {@code null} when the epilogue cannot: the caller then applies {@link #apply} in its own
     * pass over the output.
     */
    public io.tare.kernels.gemm.Activation epilogueActivation() {
        return switch (kind) {
            case NONE -> io.tare.kernels.gemm.Activation.NONE;
            case RELU -> io.tare.kernels.gemm.Activation.RELU;
            case GELU -> io.tare.kernels.gemm.Activation.GELU;
            default -> null;
        };
    }

    /** {@code y[off..off+n) = act(y + bias)}. */
    public void applyWithBias(float[] y, int off, int n, float bias) {
        if (kind == Kind.NONE) {
            if (bias != 0f) {
                for (int i = off; i < off + n; i++) {
                    y[i] += bias;
                }
            }
            return;
        }
        if (kind == Kind.RELU) {
            for (int i = off; i < off + n; i++) {
                y[i] = Math.max(y[i] + bias, 0f);
            }
            return;
        }
        for (int i = off; i < off + n; i++) {
            y[i] = apply(y[i] + bias);
        }
    }
}
