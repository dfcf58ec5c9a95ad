package io.tare.server.engine.quant;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;

/**
 * ONNX's linear quantization arithmetic, written once: {@code q = saturate(rint(x / scale) + zp)}
 * with the division in float and rounding half to even, and {@code x = (q - zp) * scale}. Also
 * resolves how a scale tensor applies to a data tensor (per tensor, per axis, or per block).
 */
public final class LinearQuantization {
    private LinearQuantization() {
    }

    /** Smallest value of an integer quantized type. */
    public static int min(DataType t) {
        return switch (t) {
            case UINT8, UINT16 -> 0;
            case INT8 -> -128;
            case INT16 -> Short.MIN_VALUE;
            case INT32 -> Integer.MIN_VALUE;
            default -> throw new EngineException(t + " is not a quantized integer type");
        };
    }

    /** Largest value of an integer quantized type. */
    public static int max(DataType t) {
        return switch (t) {
            case UINT8 -> 255;
            case INT8 -> 127;
            case UINT16 -> 65535;
            case INT16 -> Short.MAX_VALUE;
            case INT32 -> Integer.MAX_VALUE;
            default -> throw new EngineException(t + " is not a quantized integer type");
        };
    }

    /** One element's quantization; NaN maps to the zero point (as ONNX Runtime does). */
    public static int quantize(float x, float scale, int zeroPoint, int lo, int hi) {
        float v = x / scale;
        if (Float.isNaN(v)) {
            return Math.clamp(zeroPoint, lo, hi);
        }
        double r = Math.rint(v) + zeroPoint;
        return (int) Math.clamp(r, lo, hi);
    }

    /**
     * Maps each element of a tensor of {@code shape} to the index of its scale: 0 everywhere for a
     * per-tensor scale; the coordinate along {@code axis} for a 1-D per-axis scale; the coordinate
     * divided by {@code blockSize} along axis for a blocked scale (same rank as the data).
     */
    public record ScaleLayout(int outer, int axisLen, int inner, int blockSize, boolean perTensor) {

        public static ScaleLayout of(int[] shape, Tensor scale, long axisAttr, long blockSize) {
            if (scale.size() == 1 && blockSize == 0) {
                return new ScaleLayout(1, 1, 1, 0, true); // torch writes 1-element 1-D scales for per-tensor
            }
            int rank = shape.length;
            int axis = io.tare.server.engine.ops.Axes.normalize(axisAttr, Math.max(rank, 1));
            int outer = io.tare.server.engine.ops.Axes.product(shape, 0, axis);
            int inner = io.tare.server.engine.ops.Axes.product(shape, axis + 1, rank);
            if (blockSize > 0) {
                if (scale.rank() != rank) {
                    throw new EngineException("blocked quantization needs a scale of the data's rank");
                }
                return new ScaleLayout(outer, shape[axis], inner, (int) blockSize, false);
            }
            if (scale.rank() != 1 || scale.dim(0) != shape[axis]) {
                throw new EngineException("per-axis scale of shape " + java.util.Arrays.toString(scale.shape())
                        + " does not match axis " + axis + " of " + java.util.Arrays.toString(shape));
            }
            return new ScaleLayout(outer, shape[axis], inner, 0, false);
        }

        /** The scale index of flat element {@code i}. */
        public int indexOf(int i) {
            if (perTensor) {
                return 0;
            }
            int a = (i / inner) % axisLen;
            if (blockSize == 0) {
                return a;
            }
            // blocked: scale has the data's shape with axis shrunk to ceil(axisLen / blockSize)
            int o = i / (inner * axisLen);
            int blocks = (axisLen + blockSize - 1) / blockSize;
            return (o * blocks + a / blockSize) * inner + i % inner;
        }
    }
}
