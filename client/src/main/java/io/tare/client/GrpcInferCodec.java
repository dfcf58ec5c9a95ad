package io.tare.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tare.client.data.Datatype;
import io.tare.client.data.TensorData;
import io.tare.proto.inference.InferParameter;
import io.tare.proto.inference.InferTensorContents;
import io.tare.proto.inference.ModelInferRequest;
import io.tare.proto.inference.ModelInferResponse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between the SDK's types and KServe v2 protobuf messages: requests always go out as
 * {@code raw_input_contents}; responses are read from {@code raw_output_contents} or, for servers that
 * answer with typed contents, from the typed repeated fields.
 */
final class GrpcInferCodec {
    private GrpcInferCodec() {
    }

    static ModelInferRequest toRequest(String model, List<InferInput> inputs, InferOptions options) {
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder()
                .setModelName(model)
                .setModelVersion(options.modelVersion())
                .setId(options.requestId());
        options.parameters().forEach((name, value) -> request.putParameters(name, toParameter(value)));
        for (InferInput input : inputs) {
            ModelInferRequest.InferInputTensor.Builder tensor = request.addInputsBuilder()
                    .setName(input.name())
                    .setDatatype(input.datatype().wireName());
            for (long dim : input.shape()) {
                tensor.addShape(dim);
            }
            // TensorData is immutable and hides its array, so wrapping its read-only view saves a copy per send.
            request.addRawInputContents(UnsafeByteOperations.unsafeWrap(input.tensor().data()));
        }
        for (String output : options.requestedOutputs()) {
            request.addOutputsBuilder().setName(output);
        }
        return request.build();
    }

    static InferResult toResult(ModelInferResponse response) {
        Map<String, TensorData> outputs = new LinkedHashMap<>();
        List<ByteString> raw = response.getRawOutputContentsList();
        if (!raw.isEmpty() && raw.size() != response.getOutputsCount()) {
            throw new IllegalStateException("response has " + response.getOutputsCount() + " outputs but "
                    + raw.size() + " raw_output_contents");
        }
        for (int i = 0; i < response.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor output = response.getOutputs(i);
            Datatype datatype = Datatype.fromWireName(output.getDatatype());
            long[] shape = output.getShapeList().stream().mapToLong(Long::longValue).toArray();
            TensorData tensor = raw.isEmpty()
                    ? fromContents(datatype, shape, output.getContents())
                    : TensorData.of(datatype, shape, raw.get(i).asReadOnlyByteBuffer());
            outputs.put(output.getName(), tensor);
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        response.getParametersMap().forEach((name, value) -> parameters.put(name, fromParameter(value)));
        return new InferResult(response.getModelName(), response.getModelVersion(), response.getId(), outputs,
                parameters);
    }

    static InferParameter toParameter(Object value) {
        InferParameter.Builder parameter = InferParameter.newBuilder();
        switch (value) {
            case Boolean b -> parameter.setBoolParam(b);
            case Long l -> parameter.setInt64Param(l);
            case Double d -> parameter.setDoubleParam(d);
            case String s -> parameter.setStringParam(s);
            default -> throw new IllegalArgumentException("unsupported parameter value " + value);
        }
        return parameter.build();
    }

    static Object fromParameter(InferParameter parameter) {
        return switch (parameter.getParameterChoiceCase()) {
            case BOOL_PARAM -> parameter.getBoolParam();
            case INT64_PARAM -> parameter.getInt64Param();
            case DOUBLE_PARAM -> parameter.getDoubleParam();
            case STRING_PARAM -> parameter.getStringParam();
            // uint64 has no Java type; Long keeps its bits (read with Long.toUnsignedString).
            case UINT64_PARAM -> parameter.getUint64Param();
            case PARAMETERCHOICE_NOT_SET -> "";
        };
    }

    /** Packs typed contents into the raw little-endian layout. */
    static TensorData fromContents(Datatype datatype, long[] shape, InferTensorContents contents) {
        if (datatype == Datatype.BYTES) {
            return bytesTensor(shape, contents.getBytesContentsList());
        }
        int count = switch (datatype) {
            case BOOL -> contents.getBoolContentsCount();
            case INT8, INT16, INT32 -> contents.getIntContentsCount();
            case INT64 -> contents.getInt64ContentsCount();
            case UINT8, UINT16, UINT32 -> contents.getUintContentsCount();
            case UINT64 -> contents.getUint64ContentsCount();
            case FP32 -> contents.getFp32ContentsCount();
            case FP64 -> contents.getFp64ContentsCount();
            default -> throw new IllegalArgumentException(datatype + " has no typed contents field");
        };
        ByteBuffer out = ByteBuffer.allocate(count * datatype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            switch (datatype) {
                case BOOL -> out.put((byte) (contents.getBoolContents(i) ? 1 : 0));
                case INT8 -> out.put((byte) contents.getIntContents(i));
                case INT16 -> out.putShort((short) contents.getIntContents(i));
                case INT32 -> out.putInt(contents.getIntContents(i));
                case INT64 -> out.putLong(contents.getInt64Contents(i));
                case UINT8 -> out.put((byte) contents.getUintContents(i));
                case UINT16 -> out.putShort((short) contents.getUintContents(i));
                case UINT32 -> out.putInt(contents.getUintContents(i));
                case UINT64 -> out.putLong(contents.getUint64Contents(i));
                case FP32 -> out.putFloat(contents.getFp32Contents(i));
                case FP64 -> out.putDouble(contents.getFp64Contents(i));
                default -> throw new IllegalStateException("unreachable: " + datatype);
            }
        }
        return TensorData.of(datatype, shape, out.array());
    }

    /** BYTES in raw form: each element is a 4-byte little-endian length, then its bytes. */
    private static TensorData bytesTensor(long[] shape, List<ByteString> elements) {
        int size = 0;
        for (ByteString element : elements) {
            size += 4 + element.size();
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (ByteString element : elements) {
            out.putInt(element.size());
            element.copyTo(out);
        }
        return TensorData.of(Datatype.BYTES, shape, out.array());
    }
}
