package io.tare.server.quantize;

import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The data inputs offline quantization feeds (graph inputs that are not initializers), in graph
 * order: one float image for a CNN; {@code input_ids}, {@code attention_mask} and
 * {@code token_type_ids} (INT64) for a BERT-style encoder.
 *
 * @param inputs   at least one
 * @param maxBatch the smallest fixed batch dimension among them, or {@link Integer#MAX_VALUE}
 */
public record ModelInputs(List<ModelInput> inputs, int maxBatch) {

    public ModelInputs {
        inputs = List.copyOf(inputs);
    }

    /** @throws QuantizeException when the graph has no data input or one of a type quantize cannot feed */
    public static ModelInputs of(GraphProto g) {
        Set<String> constants = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            constants.add(t.getName());
        }
        List<ModelInput> inputs = new ArrayList<>();
        int maxBatch = Integer.MAX_VALUE;
        for (ValueInfoProto v : g.getInputList()) {
            if (!constants.contains(v.getName())) {
                ModelInput in = ModelInput.of(v);
                inputs.add(in);
                maxBatch = Math.min(maxBatch, in.maxBatch());
            }
        }
        if (inputs.isEmpty()) {
            throw new QuantizeException("the model has no data input");
        }
        return new ModelInputs(inputs, maxBatch);
    }

    /** The input named {@code name}, or null. */
    public ModelInput get(String name) {
        for (ModelInput in : inputs) {
            if (in.name().equals(name)) {
                return in;
            }
        }
        return null;
    }

    public List<String> names() {
        return inputs.stream().map(ModelInput::name).toList();
    }
}
