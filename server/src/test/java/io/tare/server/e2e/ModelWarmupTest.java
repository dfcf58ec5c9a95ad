package io.tare.server.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.client.InferInput;
import io.tare.client.TareClient;
import io.tare.proto.inference.ModelConfigRequest;
import io.tare.proto.inference.ModelWarmup;
import io.tare.proto.inference.RepositoryIndexRequest;
import io.tare.proto.inference.RepositoryIndexResponse;
import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.OperatorSetIdProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.TensorShapeProto;
import io.tare.proto.onnx.TypeProto;
import io.tare.proto.onnx.ValueInfoProto;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's {@code model_warmup} over a real server: a model whose config has warm-up samples loads,
 * is ready and serves, and reports the samples in its ModelConfig; a sample that fails when an
 * instance runs it (row ids past a 4-row table) or does not fit the model leaves that model
 * unavailable with the reason, beside the good one.
 */
class ModelWarmupTest {
    @TempDir
    Path repo;
    @TempDir
    Path work;

    private static final String SAMPLE = "model_warmup [ { name: \"%s\" batch_size: 2 count: 3"
            + " inputs { key: \"ids\" value: { data_type: TYPE_INT64 dims: [ 1 ] %s } } } ]\n";

    @Test
    void warmUpSamplesRunBeforeTheModelIsReadyAndFailuresKeepItUnavailable() throws Exception {
        Path lookup = lookupModel();
        Fixtures.addModel(repo, "lookup", lookup, "max_batch_size: 8\n" + SAMPLE.formatted("zeros", "zero_data: true"));
        // random ids lie in [0, 127]: past the table's 4 rows, so the instance's run fails
        Fixtures.addModel(repo, "outofrange", lookup, "max_batch_size: 8\n"
                + SAMPLE.formatted("random ids", "random_data: true"));
        Fixtures.addModel(repo, "wrongdims", lookup, "max_batch_size: 8\n"
                + SAMPLE.formatted("two ids", "zero_data: true").replace("dims: [ 1 ]", "dims: [ 2 ]"));
        try (TareServer server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.NONE, List.of()));
             GrpcChannel channel = new GrpcChannel(server.grpcPort());
             TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            assertTrue(client.modelReady("lookup"));
            float[] rows = client.infer("lookup", List.of(InferInput.ofLongs("ids", new long[] {2, 1}, 3, 1)))
                    .asFloats("rows");
            assertArrayEquals(new float[] {30f, 31f, 10f, 11f}, rows);
            List<ModelWarmup> warmup = channel.stub().modelConfig(ModelConfigRequest.newBuilder().setName("lookup")
                    .build()).getConfig().getModelWarmupList();
            assertEquals(1, warmup.size());
            assertEquals("zeros", warmup.get(0).getName());
            assertEquals(3, warmup.get(0).getCount());

            assertFalse(client.modelReady("outofrange"));
            RepositoryIndexResponse index = channel.stub().repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
            String failed = Fixtures.unavailableReason(index, "outofrange");
            assertTrue(failed.contains("model_warmup 'random ids' failed"), failed);
            String wrongDims = Fixtures.unavailableReason(index, "wrongdims");
            assertTrue(wrongDims.contains("config.pbtxt: model_warmup 'two ids'") && wrongDims.contains("dims [2]"),
                    wrongDims);
        }
    }

    /** rows[N, 1, 2] = Gather(table[4, 2], ids[N, 1]), table row r = (10 r, 10 r + 1). */
    private Path lookupModel() throws Exception {
        TensorProto.Builder table = TensorProto.newBuilder().setName("table").setDataType(1).addDims(4).addDims(2);
        for (int r = 0; r < 4; r++) {
            table.addFloatData(10f * r).addFloatData(10f * r + 1);
        }
        GraphProto graph = GraphProto.newBuilder().setName("lookup").addInitializer(table)
                .addNode(NodeProto.newBuilder().setOpType("Gather").setName("gather").addInput("table").addInput("ids")
                        .addOutput("rows"))
                .addInput(value("ids", 7, "batch", 1))
                .addOutput(value("rows", 1, "batch", 1, 2))
                .build();
        ModelProto model = ModelProto.newBuilder().setIrVersion(8).setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build();
        Path file = work.resolve("lookup.onnx");
        Files.write(file, model.toByteArray());
        return file;
    }

    private static ValueInfoProto value(String name, int elemType, String batch, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }
}
