package io.tare.kernels.quant;

import io.tare.kernels.Kernels;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.Int4Packing;
import io.tare.kernels.tensor.QuantParams;
import io.tare.kernels.tensor.Shape;

/**
 * ONNX QuantizeLinear / DequantizeLinear over whole tensors: per tensor or per axis, 8-bit or
 * packed 4-bit storage, each contiguous run of one channel handed to the tier's element-wise
 * kernel. Stateless apart from the kernels; thread-safe. 4-bit quantization needs one scratch
 * array per call (weights, at load time).
 */
public final class TensorQuantizer {
    private final Kernels kernels;

    public TensorQuantizer(Kernels kernels) {
        this.kernels = kernels;
    }

    /** Quantizes {@code x} (contiguous, {@code shape}) into {@code q} (one byte per value, or packed 4-bit). */
    public void quantize(float[] x, Shape shape, QuantParams p, byte[] q) {
        int count = (int) shape.elementCount();
        DType t = p.dtype();
        byte[] dst = t.bits() == 4 ? new byte[count] : q;
        forEachRun(shape, p, (off, len, ch) -> kernels.quantize(x, off, dst, off, len, p.scale(ch), p.zeroPoint(ch), t));
        if (t.bits() == 4) {
            Int4Packing.pack(dst, 0, count, q, 0);
        }
    }

    /** Dequantizes {@code q} (one byte per value, or packed 4-bit) into {@code x}. */
    public void dequantize(byte[] q, Shape shape, QuantParams p, float[] x) {
        int count = (int) shape.elementCount();
        DType t = p.dtype();
        if (t.bits() == 4) {
            // Unpacked 4-bit values are plain INT8 / UINT8 bytes in range.
            byte[] unpacked = new byte[count];
            Int4Packing.unpack(q, 0, count, t == DType.INT4, unpacked, 0);
            DType wide = t == DType.INT4 ? DType.INT8 : DType.UINT8;
            forEachRun(shape, p, (off, len, ch) ->
                    kernels.dequantize(unpacked, off, x, off, len, p.scale(ch), p.zeroPoint(ch), wide));
        } else {
            forEachRun(shape, p, (off, len, ch) -> kernels.dequantize(q, off, x, off, len, p.scale(ch), p.zeroPoint(ch), t));
        }
    }

    private interface Run {
        void accept(int offset, int length, int channel);
    }

    private static void forEachRun(Shape shape, QuantParams p, Run run) {
        int count = (int) shape.elementCount();
        if (p.isPerTensor()) {
            run.accept(0, count, 0);
            return;
        }
        int axis = p.axis();
        int outer = (int) shape.outerCount(axis);
        int channels = (int) shape.dim(axis);
        int inner = (int) shape.innerCount(axis);
        if (channels != p.count()) {
            throw new IllegalArgumentException("axis " + axis + " has " + channels + " entries, params have " + p.count());
        }
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                run.accept((o * channels + c) * inner, inner, c);
            }
        }
    }
}
