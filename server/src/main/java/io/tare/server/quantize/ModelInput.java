package io.tare.server.quantize;

import io.tare.client.data.Datatype;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.TensorShapeProto;
import io.tare.proto.onnx.ValueInfoProto;
import java.util.Arrays;

/**
 * One data input of the model being quantized: its name, element type and the shape of one sample
 * (the dimensions after the batch dimension, -1 where symbolic).
 *
 * @param name        graph input name
 * @param datatype    FP32, INT64 or INT32 (token ids and masks are integers; only floats are calibrated)
 * @param sampleShape dimensions after the first, -1 where not fixed
 * @param maxBatch    the fixed first dimension, or {@link Integer#MAX_VALUE}
 */
public record ModelInput(String name, Datatype datatype, int[] sampleShape, int maxBatch) {

    /**
     * @throws QuantizeException unless the input is FLOAT, INT64 or INT32 with rank of at least 1
     */
    static ModelInput of(ValueInfoProto v) {
        int elemType = v.getType().getTensorType().getElemType();
        Datatype datatype = switch (elemType) {
            case TensorProto.DataType.FLOAT_VALUE -> Datatype.FP32;
            case TensorProto.DataType.INT64_VALUE -> Datatype.INT64;
            case TensorProto.DataType.INT32_VALUE -> Datatype.INT32;
            default -> throw new QuantizeException("model input '" + v.getName() + "' has element type "
                    + TensorProto.DataType.forNumber(elemType) + "; quantize feeds FLOAT, INT64 and INT32 inputs");
        };
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
        return new ModelInput(v.getName(), datatype, sample, maxBatch);
    }

    /** The model's sample shape with {@code ?} for free dimensions, for messages. */
    String describeShape() {
        return Arrays.toString(sampleShape).replace("-1", "?");
    }
}
