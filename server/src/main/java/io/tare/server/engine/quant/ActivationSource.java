package io.tare.server.engine.quant;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.ops.NodeSetup;
import io.tare.server.engine.ops.OpContext;

/**
 * Turns an INT8 layer's activation input into zero-point-free ints plus a scale per row, whatever
 * form it arrives in:
 * <ul>
 *   <li>already 8-bit (QDQ and torch INT8 models): widened, {@code q - zp}, with the given scale;
 *   <li>float with an entry in the run's {@link ScaleTable} (static mode): quantized with it;
 *   <li>float otherwise (dynamic mode): UINT8 over {@code [min(0, min x), max(0, max x)]} of the
 *       whole tensor, or of each row when per-row is on.
 * </ul>
 * Float inputs are the engine's quantization points: they are offered to the tap first.
 */
final class ActivationSource {
    private final String tensorName;
    private final boolean perRow;

    ActivationSource(NodeSetup s) {
        this.tensorName = s.node().input(0);
        this.perRow = s.attrs().getInt(Int8LinearOps.ATTR_PER_ROW, 0) != 0;
    }

    /**
     * @param rows number of rows the caller treats {@code x} as ({@code rows * k == x.size()})
     * @param out receives {@code q - zp} for every element
     * @param rowScale receives the scale of each row
     */
    void quantize(OpContext ctx, Tensor x, int rows, int k, int[] out, float[] rowScale) {
        int n = x.size();
        if (x.type() == DataType.UINT8 || x.type() == DataType.INT8) {
            float scale = (float) ctx.input(1).getDouble(0);
            int zp = IntegerMatrix.scalarZeroPoint(ctx.input(2));
            IntegerMatrix.widen(x.bytes(), 0, n, x.type() == DataType.UINT8, zp, out, 0);
            java.util.Arrays.fill(rowScale, 0, rows, scale);
            return;
        }
        if (x.type() != DataType.FLOAT) {
            throw new EngineException("INT8 layer input must be FLOAT or 8-bit, got " + x.type());
        }
        float[] f = x.floats();
        if (ctx.tap().enabled()) {
            ctx.tap().observe(tensorName, f, n);
        }
        ScaleTable table = ctx.scaleTable();
        ScaleTable.Range fixed = table == null ? null : table.get(tensorName);
        if (fixed != null) {
            quantizeRange(f, 0, n, fixed.scale(), fixed.zeroPoint(), out);
            java.util.Arrays.fill(rowScale, 0, rows, fixed.scale());
            return;
        }
        int groups = perRow ? rows : 1;
        int len = n / groups;
        for (int g = 0; g < groups; g++) {
            float min = 0f;
            float max = 0f;
            for (int i = g * len; i < (g + 1) * len; i++) {
                min = Math.min(min, f[i]);
                max = Math.max(max, f[i]);
            }
            ScaleTable.Range range = ScaleTable.Range.ofMinMax(min, max);
            quantizeRange(f, g * len, len, range.scale(), range.zeroPoint(), out);
            if (perRow) {
                rowScale[g] = range.scale();
            } else {
                java.util.Arrays.fill(rowScale, 0, rows, range.scale());
            }
        }
    }

    private static void quantizeRange(float[] f, int off, int n, float scale, int zp, int[] out) {
        for (int i = off; i < off + n; i++) {
            out[i] = LinearQuantization.quantize(f[i], scale, zp, 0, 255) - zp;
        }
    }
}
