package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;

/**
 * Broadcasting comparisons and logic producing BOOL: Equal, Less, LessOrEqual, Greater,
 * GreaterOrEqual, And, Or, Xor, Not; and Where, which selects by a BOOL condition.
 */
public final class ComparisonOps {
    private ComparisonOps() {
    }

    private enum Compare { EQ, LT, LE, GT, GE, AND, OR, XOR }

    public static void register(OperatorRegistry r) {
        r.register("Equal", 7, s -> ctx -> compare(ctx, Compare.EQ));
        r.register("Less", 7, s -> ctx -> compare(ctx, Compare.LT));
        r.register("LessOrEqual", 12, s -> ctx -> compare(ctx, Compare.LE));
        r.register("Greater", 7, s -> ctx -> compare(ctx, Compare.GT));
        r.register("GreaterOrEqual", 12, s -> ctx -> compare(ctx, Compare.GE));
        r.register("And", 7, s -> ctx -> compare(ctx, Compare.AND));
        r.register("Or", 7, s -> ctx -> compare(ctx, Compare.OR));
        r.register("Xor", 7, s -> ctx -> compare(ctx, Compare.XOR));
        r.register("Not", 1, s -> ComparisonOps::not);
        r.register("Where", 9, s -> ComparisonOps::where);
    }

    private static void compare(OpContext ctx, Compare op) {
        Tensor a = ctx.input(0);
        Tensor b = ctx.input(1);
        if (a.type() != b.type()) {
            throw new EngineException("operands have different types " + a.type() + " and " + b.type());
        }
        int[] shape = Broadcasting.shape(a.shape(), b.shape());
        Tensor out = ctx.output(0, DataType.BOOL, shape);
        byte[] z = out.bytes();
        int[] sa = Broadcasting.strides(a.shape(), shape);
        int[] sb = Broadcasting.strides(b.shape(), shape);
        int[] none = new int[shape.length];
        boolean floating = a.type().isFloatingPoint();
        boolean u64 = a.type() == DataType.UINT64;
        Broadcasting.forEach(shape, sa, sb, none, (o, i, j, k) -> {
            int c;
            if (floating) {
                double x = a.getDouble(i);
                double y = b.getDouble(j);
                // NaN compares false with everything, so handle it before the ordering below
                if (Double.isNaN(x) || Double.isNaN(y)) {
                    z[o] = (byte) (op == Compare.AND ? (x != 0 && y != 0 ? 1 : 0)
                            : op == Compare.OR || op == Compare.XOR ? 1 : 0);
                    return;
                }
                c = Double.compare(x, y);
                if (x == y) {
                    c = 0; // -0.0 == 0.0
                }
            } else {
                long x = a.getLong(i);
                long y = b.getLong(j);
                c = u64 ? Long.compareUnsigned(x, y) : Long.compare(x, y);
            }
            boolean r = switch (op) {
                case EQ -> c == 0;
                case LT -> c < 0;
                case LE -> c <= 0;
                case GT -> c > 0;
                case GE -> c >= 0;
                case AND -> a.getLong(i) != 0 && b.getLong(j) != 0;
                case OR -> a.getLong(i) != 0 || b.getLong(j) != 0;
                case XOR -> (a.getLong(i) != 0) != (b.getLong(j) != 0);
            };
            z[o] = (byte) (r ? 1 : 0);
        });
    }

    private static void not(OpContext ctx) {
        Tensor a = ctx.input(0);
        Tensor out = ctx.output(0, DataType.BOOL, a.shape());
        for (int i = 0; i < a.size(); i++) {
            out.bytes()[i] = (byte) (a.bytes()[i] == 0 ? 1 : 0);
        }
    }

    private static void where(OpContext ctx) {
        Tensor cond = ctx.input(0);
        Tensor x = ctx.input(1);
        Tensor y = ctx.input(2);
        if (x.type() != y.type()) {
            throw new EngineException("X and Y have different types " + x.type() + " and " + y.type());
        }
        int[] shape = Broadcasting.shape(cond.shape(), x.shape(), y.shape());
        Tensor out = ctx.output(0, x.type(), shape);
        byte[] c = cond.bytes();
        Broadcasting.forEach(shape, Broadcasting.strides(cond.shape(), shape),
                Broadcasting.strides(x.shape(), shape), Broadcasting.strides(y.shape(), shape),
                (o, i, j, k) -> {
                    if (c[i] != 0) {
                        out.copyElement(x, j, o);
                    } else {
                        out.copyElement(y, k, o);
                    }
                });
    }
}
