package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.TensorProto;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightOnlyInt4Test {

    @TempDir
    Path tmp;

    @Test
    void blockedInt4WeightsQuantizeAndDequantizePerBlock() {
        // MatMul weight [K=4, N=2] blocked along K in blocks of 2: 2 x 2 scales
        float[] w = {1, -8, 2, 4, 0.5f, 1, -7, 2};
        QuantizedWeight q = WeightQuantizer.quantize(w, new long[] {4, 2}, 0, 2, 4);
        assertEquals(4, q.scales().length);
        assertEquals(2f / 7, q.scales()[0], 1e-7); // block (k 0..1, n 0): max(|1|, |2|) = 2
        assertEquals(8f / 7, q.scales()[1], 1e-7); // block (k 0..1, n 1): max(|-8|, |4|)
        assertEquals(7f / 7, q.scales()[2], 1e-7);
        assertEquals(2f / 7, q.scales()[3], 1e-7);
        float[] back = q.dequantize(new long[] {4, 2});
        for (int i = 0; i < w.length; i++) {
            assertTrue(Math.abs(back[i] - w[i]) <= q.scales()[new WeightQuantizer.Layout(new long[] {4, 2}, 0, 2).scaleIndex(i)] / 2 + 1e-6);
        }
    }

    @Test
    void mlpWithInt4GemmWeightsRunsInOnnxRuntime() {
        Path out = tmp.resolve("mlp_int4.onnx");
        QuantizationReport r = Quantizer.run(FmnistFixtures.options(FmnistFixtures.mlp(), out).int4Group(32)
                .data(FmnistFixtures.testImages()).labels(FmnistFixtures.testLabels()).evaluationSamples(1000), ProgressBar.SILENT);
        assertTrue(r.layers().stream().allMatch(l -> l.precision().equals("int4-weight-only")), r.layers().toString());
        ModelProto m = ModelProtoFile.read(out);
        assertEquals(21, QdqExporter.defaultOpset(m));
        long int4 = m.getGraph().getInitializerList().stream().filter(t -> t.getDataType() == TensorProto.DataType.INT4_VALUE).count();
        assertEquals(3, int4);
        assertTrue(m.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("QuantizeLinear")),
                "weight-only: activations stay float");
        NodeProto dq = m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("DequantizeLinear")).findFirst().orElseThrow();
        assertTrue(dq.getAttributeList().stream().anyMatch(a -> a.getName().equals("block_size") && a.getI() == 32));
        // 4-bit weights in blocks of 32 cost the MLP well under a point
        assertTrue(r.evaluation().score().accuracy() >= r.evaluation().fp32Accuracy() - 0.01, r.evaluation().toString());
    }
}
