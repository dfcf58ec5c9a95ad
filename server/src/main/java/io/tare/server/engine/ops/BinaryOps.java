package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;

/**
 * Broadcasting element-wise arithmetic: Add, Sub, Mul, Div, Pow, Max, Min, Sum, Mean.
 *
 * <p>FLOAT runs in float arithmetic (as ONNX Runtime does, so results agree bit for bit on
 * Add/Sub/Mul/Div); DOUBLE and FLOAT16 in double, rounded once on store; integer types in 64-bit
 * integer arithmetic that wraps on store, as numpy and ONNX Runtime do. Integer division truncates
 * toward zero; division by zero yields 0 rather than an exception.
 */
public final class BinaryOps {
    private BinaryOps() {
    }

    /** The arithmetic of one operator on each number kind. */
    enum Arith {
        ADD, SUB, MUL, DIV, POW, MAX, MIN;

        float apply(float a, float b) {
            return switch (this) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case DIV -> a / b;
                case POW -> (float) Math.pow(a, b);
                case MAX -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b);
                case MIN -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.min(a, b);
            };
        }

        double apply(double a, double b) {
            return switch (this) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case DIV -> a / b;
                case POW -> Math.pow(a, b);
                case MAX -> Math.max(a, b);
                case MIN -> Math.min(a, b);
            };
        }

        long apply(long a, long b, boolean unsigned64) {
            return switch (this) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case DIV -> b == 0 ? 0 : unsigned64 ? Long.divideUnsigned(a, b) : a / b;
                case POW -> (long) Math.pow(a, b);
                case MAX -> (unsigned64 ? Long.compareUnsigned(a, b) : Long.compare(a, b)) >= 0 ? a : b;
                case MIN -> (unsigned64 ? Long.compareUnsigned(a, b) : Long.compare(a, b)) <= 0 ? a : b;
            };
        }
    }

    public static void register(OperatorRegistry r) {
        r.register("Add", 7, s -> ctx -> binary(ctx, Arith.ADD));
        r.register("Sub", 7, s -> ctx -> binary(ctx, Arith.SUB));
        r.register("Mul", 7, s -> ctx -> binary(ctx, Arith.MUL));
        r.register("Div", 7, s -> ctx -> binary(ctx, Arith.DIV));
        r.register("Pow", 7, s -> ctx -> binary(ctx, Arith.POW));
        r.register("Max", 8, s -> ctx -> variadic(ctx, Arith.MAX, false));
        r.register("Min", 8, s -> ctx -> variadic(ctx, Arith.MIN, false));
        r.register("Sum", 8, s -> ctx -> variadic(ctx, Arith.ADD, false));
        r.register("Mean", 8, s -> ctx -> variadic(ctx, Arith.ADD, true));
    }

    private static void binary(OpContext ctx, Arith op) {
        Tensor a = ctx.input(0);
        Tensor b = ctx.input(1);
        if (op != Arith.POW && a.type() != b.type()) {
            throw new EngineException("operands have different types " + a.type() + " and " + b.type());
        }
        Tensor out = ctx.output(0, a.type(), Broadcasting.shape(a.shape(), b.shape()));
        compute(a, b, out, op);
    }

    private static void variadic(OpContext ctx, Arith op, boolean mean) {
        int n = ctx.inputCount();
        Tensor first = ctx.input(0);
        int[][] shapes = new int[n][];
        for (int i = 0; i < n; i++) {
            shapes[i] = ctx.input(i).shape();
            if (ctx.input(i).type() != first.type()) {
                throw new EngineException("operands have different types");
            }
        }
        Tensor out = ctx.output(0, first.type(), Broadcasting.shape(shapes));
        // out = first broadcast, then folded with each further operand in place
        Tensor acc = first;
        if (n == 1) {
            copyBroadcast(first, out);
        }
        for (int i = 1; i < n; i++) {
            compute(acc, ctx.input(i), out, op);
            acc = out;
        }
        if (mean) {
            for (int i = 0; i < out.size(); i++) {
                if (out.type().isFloatingPoint()) {
                    out.setDouble(i, out.getDouble(i) / n);
                } else {
                    out.setLong(i, out.getLong(i) / n);
                }
            }
        }
    }

    private static void copyBroadcast(Tensor in, Tensor out) {
        int[] si = Broadcasting.strides(in.shape(), out.shape());
        int[] zero = new int[out.rank()];
        Broadcasting.forEach(out.shape(), si, zero, zero, (o, x, y, z) -> out.copyElement(in, x, o));
    }

    /**
     * {@code out = a op b} with broadcasting. {@code out} may be {@code a} itself when it already has
     * the output shape (used by the variadic operators).
     */
    static void compute(Tensor a, Tensor b, Tensor out, Arith op) {
        int[] shape = out.shape();
        int[] sa = Broadcasting.strides(a.shape(), shape);
        int[] sb = Broadcasting.strides(b.shape(), shape);
        int[] none = new int[shape.length];
        if (a.type() == DataType.FLOAT && b.type() == DataType.FLOAT) {
            float[] x = a.floats();
            float[] y = b.floats();
            float[] z = out.floats();
            if (a.size() == out.size() && b.size() == out.size()) {
                sameShape(x, y, z, out.size(), op);
                return;
            }
            if (b.size() == 1 && a.size() == out.size()) {
                scalarRight(x, y[0], z, out.size(), op);
                return;
            }
            if (BroadcastRows.compute(x, sa, y, sb, z, shape, op)) {
                return;
            }
            Broadcasting.forEach(shape, sa, sb, none, (o, i, j, k) -> z[o] = op.apply(x[i], y[j]));
        } else if (out.type().isFloatingPoint() || b.type().isFloatingPoint()) {
            boolean floatMath = out.type() == DataType.FLOAT || out.type() == DataType.FLOAT16;
            Broadcasting.forEach(shape, sa, sb, none, (o, i, j, k) -> {
                double r = floatMath
                        ? op.apply((float) a.getDouble(i), (float) b.getDouble(j))
                        : op.apply(a.getDouble(i), b.getDouble(j));
                out.setDouble(o, r);
            });
        } else {
            boolean unsigned64 = a.type() == DataType.UINT64;
            Broadcasting.forEach(shape, sa, sb, none,
                    (o, i, j, k) -> out.setLong(o, op.apply(a.getLong(i), b.getLong(j), unsigned64)));
        }
    }

    private static void sameShape(float[] x, float[] y, float[] z, int n, Arith op) {
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    z[i] = x[i] + y[i];
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    z[i] = x[i] - y[i];
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    z[i] = x[i] * y[i];
                }
            }
            case DIV -> {
                for (int i = 0; i < n; i++) {
                    z[i] = x[i] / y[i];
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    z[i] = op.apply(x[i], y[i]);
                }
            }
        }
    }

    private static void scalarRight(float[] x, float y, float[] z, int n, Arith op) {
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    z[i] = x[i] + y;
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    z[i] = x[i] * y;
                }
            }
            default -> {
                if (op == Arith.POW && y == 2f) {
                    // squaring (LayerNorm's variance): exact, since (double) a * a fits a double's mantissa
                    for (int i = 0; i < n; i++) {
                        z[i] = x[i] * x[i];
                    }
                    return;
                }
                for (int i = 0; i < n; i++) {
                    z[i] = op.apply(x[i], y);
                }
            }
        }
    }
}
