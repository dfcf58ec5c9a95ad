package io.tare.server.quantize;

import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.TensorShapeProto;
import io.tare.proto.onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The single float input offline quantization feeds: its name, the shape of one sample (the
 * dimensions after the batch dimension, -1 where symbolic) and the largest batch the model takes
 * (its first dimension when fixed, else unbounded).
 *
 * @param name         graph input name
 * @param sampleShape  dimensions after the first, -1 where not fixed
 * @param maxBatch     the fixed first dimension, or {@link Integer#MAX_VALUE}
 */
public record ModelInput(String name, int[] sampleShape, int maxBatch) {

    /**
     * @throws QuantizeException unless the graph has exactly one non-constant input and it is FLOAT
     *                           with rank of at least 1
     */
    public static ModelInput of(GraphProto g) {
        Set<String> constants = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            constants.add(t.getName());
        }
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!constants.contains(v.getName())) {
                inputs.add(v);
            }
        }
        if (inputs.size() != 1) {
            throw new QuantizeException("quantize handles models with exactly one data input; this one has "
                    + inputs.size() + ": " + inputs.stream().map(ValueInfoProto::getName).toList());
        }
        ValueInfoProto v = inputs.getFirst();
        if (v.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new QuantizeException("model input '" + v.getName() + "' is not FLOAT; calibration data is float32");
        }
        TensorShapeProto shape = v.getType().getTensorType().getShape();
        if (shape.getDimCount() < 1) {
            throw new QuantizeException("model input '" + v.getName() + "' has no batch dimension");
        }
        int[] sample = new int[shape.getDimCount() - 1];
        for (int i = 1; i < shape.getDimCount(); i++) {
            TensorShapeProto.Dimension d = shape.getDim(i);
            sample[i - 1] = d.hasDimValue() ? Math.toIntExact(d.getDimValue()) : -1;
        }
        TensorShapeProto.Dimension batch = shape.getDim(0);
        int maxBatch = batch.hasDimValue() && batch.getDimValue() > 0 ? Math.toIntExact(batch.getDimValue()) : Integer.MAX_VALUE;
        return new ModelInput(v.getName(), sample, maxBatch);
    }
}
