package io.tare.server.frontend.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tare.proto.inference.InferParameter;
import io.tare.proto.inference.InferTensorContents;
import io.tare.proto.inference.ModelInferRequest;
import io.tare.proto.inference.ModelInferResponse;
import io.tare.client.data.Datatype;
import io.tare.client.data.Shapes;
import io.tare.server.core.InferenceRequest;
import io.tare.server.core.InferenceResponse;
import io.tare.server.core.RequestValidator;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gRPC protocol's one codec: {@code ModelInferRequest} to {@link InferenceRequest} and
 * {@link InferenceResponse} to {@code ModelInferResponse}. Raw contents are wrapped, not copied;
 * typed contents are packed into little-endian bytes once. Responses always use raw contents,
 * as Triton's do.
 */
public final class GrpcTensorCodec {
    private GrpcTensorCodec() {
    }

    public static InferenceRequest decode(ModelInferRequest request, long deadlineNanos) {
        if (request.getModelName().isEmpty()) {
            throw TareException.invalid("model_name is missing");
        }
        int rawCount = request.getRawInputContentsCount();
        if (rawCount != 0 && rawCount != request.getInputsCount()) {
            throw TareException.invalid("raw_input_contents has " + rawCount + " entries for "
                    + request.getInputsCount() + " inputs; give one per input, in order, or none");
        }
        List<TensorData> inputs = new ArrayList<>(request.getInputsCount());
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor input = request.getInputs(i);
            Datatype type = RequestValidator.datatype(input.getDatatype());
            long[] shape = input.getShapeList().stream().mapToLong(Long::longValue).toArray();
            RequestValidator.elementCount(shape);
            ByteBuffer data;
            if (rawCount != 0) {
                if (input.hasContents()) {
                    throw TareException.invalid("input '" + input.getName()
                            + "' has typed contents while the request uses raw_input_contents");
                }
                data = request.getRawInputContents(i).asReadOnlyByteBuffer();
            } else {
                data = TypedContents.pack(input.getName(), type, shape, input.getContents());
            }
            inputs.add(new TensorData(input.getName(), type, shape, data));
        }
        List<String> outputs = request.getOutputsList().stream()
                .map(ModelInferRequest.InferRequestedOutputTensor::getName).toList();
        return new InferenceRequest(request.getModelName(), request.getModelVersion(), request.getId(), inputs,
                outputs, parameters(request.getParametersMap()), deadlineNanos);
    }

    public static ModelInferResponse encode(InferenceResponse response) {
        ModelInferResponse.Builder out = ModelInferResponse.newBuilder()
                .setModelName(response.modelName())
                .setModelVersion(response.modelVersion())
                .setId(response.id());
        for (TensorData t : response.outputs()) {
            ModelInferResponse.InferOutputTensor.Builder tensor = out.addOutputsBuilder()
                    .setName(t.name()).setDatatype(t.datatype().wireName());
            for (long d : t.shape()) {
                tensor.addShape(d);
            }
            // Immutable by TensorData's contract, so wrapping without a copy is safe.
            out.addRawOutputContents(UnsafeByteOperations.unsafeWrap(t.data()));
        }
        response.parameters().forEach((k, v) -> out.putParameters(k, parameter(v)));
        return out.build();
    }

    static Map<String, Object> parameters(Map<String, InferParameter> params) {
        Map<String, Object> out = new LinkedHashMap<>();
        params.forEach((k, p) -> out.put(k, switch (p.getParameterChoiceCase()) {
            case BOOL_PARAM -> p.getBoolParam();
            case INT64_PARAM -> p.getInt64Param();
            case STRING_PARAM -> p.getStringParam();
            case DOUBLE_PARAM -> p.getDoubleParam();
            case UINT64_PARAM -> p.getUint64Param();
            case PARAMETERCHOICE_NOT_SET -> "";
        }));
        return out;
    }

    static InferParameter parameter(Object value) {
        return switch (value) {
            case Boolean b -> InferParameter.newBuilder().setBoolParam(b).build();
            case Long l -> InferParameter.newBuilder().setInt64Param(l).build();
            case Integer i -> InferParameter.newBuilder().setInt64Param(i).build();
            case Double d -> InferParameter.newBuilder().setDoubleParam(d).build();
            default -> InferParameter.newBuilder().setStringParam(String.valueOf(value)).build();
        };
    }

    /** Packs the protocol's typed repeated fields into raw little-endian bytes. */
    static final class TypedContents {
        private TypedContents() {
        }

        static ByteBuffer pack(String name, Datatype type, long[] shape, InferTensorContents c) {
            long count = RequestValidator.elementCount(shape);
            if (type == Datatype.BYTES) {
                return packBytes(name, count, c.getBytesContentsList());
            }
            int size = RequestValidator.byteSize(type, shape);
            int given = switch (type) {
                case BOOL -> c.getBoolContentsCount();
                case INT8, INT16, INT32 -> c.getIntContentsCount();
                case INT64 -> c.getInt64ContentsCount();
                case UINT8, UINT16, UINT32 -> c.getUintContentsCount();
                case UINT64 -> c.getUint64ContentsCount();
                case FP32 -> c.getFp32ContentsCount();
                case FP64 -> c.getFp64ContentsCount();
                case FP16, BF16 -> throw TareException.invalid("input '" + name + "': " + type
                        + " tensors must be sent in raw_input_contents");
                case BYTES -> throw new IllegalStateException();
            };
            if (given != count) {
                throw TareException.invalid("input '" + name + "' of shape " + Shapes.format(shape) + " needs "
                        + count + " values but its contents hold " + given);
            }
            ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < given; i++) {
                switch (type) {
                    case BOOL -> out.put((byte) (c.getBoolContents(i) ? 1 : 0));
                    case INT8 -> out.put((byte) c.getIntContents(i));
                    case INT16 -> out.putShort((short) c.getIntContents(i));
                    case INT32 -> out.putInt(c.getIntContents(i));
                    case INT64 -> out.putLong(c.getInt64Contents(i));
                    case UINT8 -> out.put((byte) c.getUintContents(i));
                    case UINT16 -> out.putShort((short) c.getUintContents(i));
                    case UINT32 -> out.putInt(c.getUintContents(i));
                    case UINT64 -> out.putLong(c.getUint64Contents(i));
                    case FP32 -> out.putFloat(c.getFp32Contents(i));
                    case FP64 -> out.putDouble(c.getFp64Contents(i));
                    default -> throw new IllegalStateException();
                }
            }
            return out.flip();
        }

        private static ByteBuffer packBytes(String name, long count, List<ByteString> values) {
            if (values.size() != count) {
                throw TareException.invalid("input '" + name + "' needs " + count + " BYTES elements but holds "
                        + values.size());
            }
            long size = 0;
            for (ByteString v : values) {
                size += 4 + v.size();
            }
            if (size > Integer.MAX_VALUE - 16) {
                throw TareException.invalid("input '" + name + "' is too large");
            }
            ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            for (ByteString v : values) {
                out.putInt(v.size());
                v.copyTo(out);
            }
            return out.flip();
        }
    }
}
