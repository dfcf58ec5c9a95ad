package io.tare.client;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tare.proto.inference.GRPCInferenceServiceGrpc;
import io.tare.proto.inference.InferTensorContents;
import io.tare.proto.inference.ModelInferRequest;
import io.tare.proto.inference.ModelInferResponse;
import io.tare.proto.inference.ModelMetadataRequest;
import io.tare.proto.inference.ModelMetadataResponse;
import io.tare.proto.inference.ModelReadyRequest;
import io.tare.proto.inference.ModelReadyResponse;
import io.tare.proto.inference.ModelStatistics;
import io.tare.proto.inference.ModelStatisticsRequest;
import io.tare.proto.inference.ModelStatisticsResponse;
import io.tare.proto.inference.ModelStreamInferResponse;
import io.tare.proto.inference.RepositoryIndexRequest;
import io.tare.proto.inference.RepositoryIndexResponse;
import io.tare.proto.inference.RepositoryModelLoadRequest;
import io.tare.proto.inference.RepositoryModelLoadResponse;
import io.tare.proto.inference.ServerLiveRequest;
import io.tare.proto.inference.ServerLiveResponse;
import io.tare.proto.inference.ServerMetadataRequest;
import io.tare.proto.inference.ServerMetadataResponse;
import io.tare.proto.inference.ServerReadyRequest;
import io.tare.proto.inference.ServerReadyResponse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tiny KServe v2 service for client tests. Model "echo" returns each input as an output called
 * "OUT_" + input name, with raw contents; "echo_typed" does the same for FP32 inputs but answers with
 * {@code fp32_contents}; "slow" waits 2 s before answering (to trip deadlines); any other model is
 * NOT_FOUND (as a stream error message on the stream). The repository holds "echo" only.
 */
public final class EchoInferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
        out.onCompleted();
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        out.onNext(ServerReadyResponse.newBuilder().setReady(true).build());
        out.onCompleted();
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        out.onNext(ModelReadyResponse.newBuilder().setReady(request.getName().startsWith("echo")).build());
        out.onCompleted();
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        out.onNext(ServerMetadataResponse.newBuilder().setName("echo-server").setVersion("0").build());
        out.onCompleted();
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        if (!request.getName().startsWith("echo")) {
            out.onError(Status.NOT_FOUND.withDescription("unknown model '" + request.getName() + "'").asRuntimeException());
            return;
        }
        out.onNext(ModelMetadataResponse.newBuilder().setName(request.getName()).setPlatform("echo")
                .addInputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName("x").setDatatype("FP32")
                        .addShape(-1).addShape(4))
                .build());
        out.onCompleted();
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
        out.onNext(RepositoryIndexResponse.newBuilder()
                .addModels(RepositoryIndexResponse.ModelIndex.newBuilder().setName("echo").setVersion("1").setState("READY"))
                .build());
        out.onCompleted();
    }

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
        if (!request.getModelName().equals("echo")) {
            out.onError(Status.NOT_FOUND.withDescription("no model '" + request.getModelName() + "' in the repository")
                    .asRuntimeException());
            return;
        }
        out.onNext(RepositoryModelLoadResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
        out.onNext(ModelStatisticsResponse.newBuilder()
                .addModelStats(ModelStatistics.newBuilder().setName("echo").setInferenceCount(3)).build());
        out.onCompleted();
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        if (request.getModelName().equals("slow")) {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            out.onNext(echo(request));
            out.onCompleted();
        } catch (IllegalArgumentException e) {
            out.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
        return new StreamObserver<>() {
            @Override
            public void onNext(ModelInferRequest request) {
                ModelStreamInferResponse.Builder response = ModelStreamInferResponse.newBuilder();
                try {
                    response.setInferResponse(echo(request));
                } catch (IllegalArgumentException e) {
                    response.setErrorMessage(e.getMessage())
                            .setInferResponse(ModelInferResponse.newBuilder().setId(request.getId()));
                }
                out.onNext(response.build());
            }

            @Override
            public void onError(Throwable t) {
                // The client went away; nothing to answer.
            }

            @Override
            public void onCompleted() {
                out.onCompleted();
            }
        };
    }

    private static ModelInferResponse echo(ModelInferRequest request) {
        String model = request.getModelName();
        boolean typed = model.equals("echo_typed");
        if (!model.equals("echo") && !typed && !model.equals("slow")) {
            throw new IllegalArgumentException("unknown model '" + model + "'");
        }
        ModelInferResponse.Builder response = ModelInferResponse.newBuilder()
                .setModelName(model).setModelVersion("1").setId(request.getId());
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor input = request.getInputs(i);
            ModelInferResponse.InferOutputTensor.Builder output = response.addOutputsBuilder()
                    .setName("OUT_" + input.getName()).setDatatype(input.getDatatype())
                    .addAllShape(input.getShapeList());
            if (typed) {
                ByteBuffer raw = request.getRawInputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                InferTensorContents.Builder contents = InferTensorContents.newBuilder();
                while (raw.remaining() >= 4) {
                    contents.addFp32Contents(raw.getFloat());
                }
                output.setContents(contents);
            } else {
                response.addRawOutputContents(request.getRawInputContents(i));
            }
        }
        return response.build();
    }
}
