package io.tare.server.engine.passes;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.ops.OpContext;
import io.tare.server.engine.quant.QuantizationTap;

/** An {@link OpContext} that runs one node at load time on constant inputs, into fresh tensors. */
final class FoldingContext implements OpContext {
    private final Tensor[] inputs;
    private final Tensor[] outputs;
    private final boolean[] wanted;

    FoldingContext(Tensor[] inputs, boolean[] wanted) {
        this.inputs = inputs;
        this.outputs = new Tensor[wanted.length];
        this.wanted = wanted;
    }

    Tensor[] outputs() {
        return outputs;
    }

    @Override
    public int inputCount() {
        return inputs.length;
    }

    @Override
    public Tensor input(int i) {
        return i < inputs.length ? inputs[i] : null;
    }

    @Override
    public int outputCount() {
        return outputs.length;
    }

    @Override
    public boolean wantsOutput(int i) {
        return i < wanted.length && wanted[i];
    }

    @Override
    public Tensor output(int i, DataType type, int[] shape) {
        if (i < outputs.length && outputs[i] != null && outputs[i].type() == type
                && java.util.Arrays.equals(outputs[i].shape(), shape)) {
            return outputs[i];
        }
        Tensor t = Tensor.allocate(type, shape);
        if (i < outputs.length) {
            outputs[i] = t;
        }
        return t;
    }

    @Override
    public float[] floatScratch(int slot, int minLength) {
        return new float[minLength];
    }

    @Override
    public byte[] byteScratch(int slot, int minLength) {
        return new byte[minLength];
    }

    @Override
    public int[] intScratch(int slot, int minLength) {
        return new int[minLength];
    }

    @Override
    public io.tare.kernels.quant.QuantizedRows quantizedRows(int slot, int rows, int k) {
        return new io.tare.kernels.quant.QuantizedRows(Math.max(1, rows), k);
    }

    @Override
    public io.tare.server.engine.quant.ScaleTable scaleTable() {
        return null;
    }

    @Override
    public QuantizationTap tap() {
        return QuantizationTap.NONE;
    }
}
