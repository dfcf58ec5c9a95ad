package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.ops.OperatorRegistry;
import io.tare.server.engine.passes.GraphPass;
import io.tare.server.engine.passes.Passes;
import io.tare.server.engine.quant.Int8LinearOps;
import io.tare.server.onnx.OnnxModelReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tare quantize} on a residual CNN writes PyTorch's layout by default: the residual joins
 * carry Q/DQ and every reader of a quantized value reads it dequantized, so Tare's engine runs the
 * whole stream in 8 bits (every convolution channels-last, every join a fused 8-bit add), computes
 * what ONNX Runtime computes on the same file and keeps the accuracy of the layer-only layout
 * ({@code --residual-joins float}). Models without joins export exactly as before.
 */
class ResidualJoinsExportTest {

    private static final long EVAL_IMAGES = 500;
    /** The ResCNN's joins: stage 1 adds its block input (identity), stages 2 and 3 a 1x1 projection. */
    private static final Set<String> JOIN_VALUES = Set.of("/stage1/conv2/Conv_output_0", "/stage2/conv2/Conv_output_0",
            "/stage3/conv2/Conv_output_0", "/stage2/down/down.0/Conv_output_0", "/stage3/down/down.0/Conv_output_0",
            "/stage3/Relu_output_0");

    @TempDir
    Path tmp;

    /**
     * 7-bit weights: ONNX Runtime's AVX2 u8s8 kernels saturate int16 pair sums with 8-bit weights on CPUs
     * without VNNI (PyTorch's own INT8 file loses ~6 points there), which would hide a real disagreement.
     */
    @Test
    void cnnJoinsAreQuantizedAndTheEngineRunsTheStreamIn8Bits() {
        Path joined = tmp.resolve("joins.onnx");
        QuantizationReport r = Quantizer.run(cnnOptions(joined).residualJoins(true), ProgressBar.SILENT);
        QuantizationReport old = Quantizer.run(cnnOptions(tmp.resolve("layers.onnx")).residualJoins(false), ProgressBar.SILENT);

        ModelProto m = ModelProtoFile.read(joined);
        Map<String, NodeProto> quantizeOf = new HashMap<>();
        for (NodeProto n : m.getGraph().getNodeList()) {
            if (n.getOpType().equals("QuantizeLinear")) {
                quantizeOf.put(n.getInput(0), n);
            }
        }
        assertTrue(quantizeOf.keySet().containsAll(JOIN_VALUES), "quantized values " + quantizeOf.keySet());
        Map<String, NodeProto> producers = new HashMap<>();
        m.getGraph().getNodeList().forEach(n -> n.getOutputList().forEach(o -> producers.put(o, n)));
        List<NodeProto> adds = m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Add")).toList();
        assertEquals(3, adds.size());
        for (NodeProto add : adds) {
            for (String in : add.getInputList()) {
                assertEquals("DequantizeLinear", producers.get(in).getOpType(), add.getName() + " reads " + in);
            }
        }
        assertTrue(r.settings().get("residual joins").startsWith("quantized: 3 of 3 joins"), r.settings().toString());
        assertTrue(r.activations().stream().filter(a -> JOIN_VALUES.contains(a.name())).allMatch(a -> a.quantized()),
                "join values in the report: " + r.activations());
        assertEquals(8 + JOIN_VALUES.size(), r.activations().size(), "8 layer inputs, then the joins' other values");

        Graph g = new OnnxModelReader().read(joined);
        for (GraphPass p : Passes.forOptions(EngineOptions.DEFAULT, OperatorRegistry.standard())) {
            p.apply(g);
        }
        long channelsLast = g.nodes().stream()
                .filter(n -> n.attributes().getInt(Int8LinearOps.ATTR_NHWC_OUTPUT, 0) != 0).count();
        assertEquals(9, channelsLast, "convolutions writing channels-last");
        long int8Adds = g.nodes().stream()
                .filter(n -> n.domain().equals(Int8LinearOps.DOMAIN) && n.opType().equals(Int8LinearOps.ADD)).count();
        assertEquals(3, int8Adds, "fused 8-bit residual adds");
        assertTrue(g.nodes().stream().noneMatch(n -> n.opType().equals("Add") || n.opType().equals("Relu")),
                "float Add/Relu left in the engine graph");

        // the engine on the file the user gets, against ONNX Runtime on the same file (the quantizer's own check)
        EngineCheck engine = r.evaluation().engine();
        assertTrue(engine.agreementWithOrt() >= 0.995, "engine vs ORT top-1 agreement " + engine.agreementWithOrt());
        try (SampleSet data = SampleSet.open(FmnistFixtures.testImages(), new int[] {1, 28, 28},
                ModelInputs.of(m.getGraph()))) {
            String output = m.getGraph().getOutput(0).getName();
            OrtEvaluator.Outputs ort = OrtEvaluator.run(m.toByteArray(), output, data, EVAL_IMAGES, null, null, 128, 1, "ort");
            OrtEvaluator.Outputs tare = EngineEvaluator.run(m, output, data, EVAL_IMAGES, null, null, 128);
            OutputComparison c = tare.compareTo(ort);
            assertTrue(c.meanCosine() > 0.9999 && c.minCosine() > 0.999, "engine vs ORT logits " + c);
        }

        // the joins cost at most a point on the slice against the layer-only layout (both through ORT)
        double acc = r.evaluation().score().accuracy();
        double oldAcc = old.evaluation().score().accuracy();
        assertTrue(acc >= oldAcc - 0.01, "joins quantized " + acc + " vs layer-only " + oldAcc);
        assertTrue(acc >= r.evaluation().fp32Accuracy() - 0.02, acc + " vs FP32 " + r.evaluation().fp32Accuracy());
        assertTrue(old.settings().get("residual joins").startsWith("float"), old.settings().toString());
    }

    /**
     * 8-bit weights, uint8 activations, every layer INT8: the export is exactly the model the server
     * serves when it promotes the float model with the same scales (so the engine-static check of
     * such an export runs that promotion).
     */
    @Test
    void exportIsTheServersPromotionOfTheSameScales() {
        Path out = tmp.resolve("w8.onnx");
        QuantizationReport r = Quantizer.run(FmnistFixtures.options(FmnistFixtures.cnn(), out).method("entropy")
                .perChannel(true).calibrationSamples(256).sensitivitySamples(64), ProgressBar.SILENT);
        Map<String, ScaleZeroPoint> scales = new LinkedHashMap<>();
        r.activations().forEach(a -> scales.put(a.name(), a.params()));
        ModelProto promoted = QdqPromotion.promote(ModelProtoFile.read(FmnistFixtures.cnn()), scales);
        assertEquals(ModelProtoFile.read(out), promoted);
    }

    /** The MLP has no joins: the file is byte for byte the one the layer-only layout writes. */
    @Test
    void modelWithoutJoinsExportsTheSameBytes() throws Exception {
        Path a = tmp.resolve("a.onnx");
        Path b = tmp.resolve("b.onnx");
        for (boolean joins : new boolean[] {true, false}) {
            Quantizer.run(FmnistFixtures.options(FmnistFixtures.mlp(), joins ? a : b).method("entropy").perChannel(true)
                    .calibrationSamples(256).sensitivitySamples(64).residualJoins(joins), ProgressBar.SILENT);
        }
        assertEquals(-1, Files.mismatch(a, b), "MLP exports differ");
    }

    /** A transformer's residual adds (after LayerNormalization, bias-added MatMuls) are not joins. */
    @Test
    void miniLmHasNoJoins() throws Exception {
        Path file = MiniLmSentences.extract(MiniLmSentences.MODEL, tmp.resolve(MiniLmSentences.MODEL));
        ModelProto m = OpsetUpgrade.apply(ModelProtoFile.read(file), new ArrayList<>());
        assertEquals(List.of(), ResidualJoins.find(m, LayerFinder.find(m.getGraph())));
    }

    /**
     * Mixed precision and sensitivity: a join whose layer stays FP32 stays float, the others stay
     * 8-bit; a layer measured alone gets the layer-only layout.
     */
    @Test
    void joinsTouchingAnFp32LayerStayFloat() {
        ModelProto m = ModelProtoFile.read(FmnistFixtures.cnn());
        List<QuantizableLayer> layers = LayerFinder.find(m.getGraph());
        List<ResidualJoins.Join> joins = ResidualJoins.find(m, layers);
        assertEquals(3, joins.size());
        Map<String, ScaleZeroPoint> scales = new LinkedHashMap<>();
        layers.forEach(l -> scales.put(l.activation(), new ScaleZeroPoint(0.1f, 0)));
        joins.forEach(j -> j.values().forEach(v -> scales.put(v, new ScaleZeroPoint(0.1f, 0))));
        PlanBuilder plans = new PlanBuilder(layers, scales, ActivationEncoding.UINT8_ASYMMETRIC, true, 8, 0, Map.of(), joins);

        ExportPlan full = plans.plan(Set.of());
        assertTrue(full.quantizeStream());
        assertEquals(scales.keySet(), full.activations().keySet());

        QuantizableLayer stage2Down = layers.stream().filter(l -> l.name().equals("/stage2/down/down.0/Conv")).findFirst()
                .orElseThrow();
        ExportPlan mixed = plans.plan(Set.of(stage2Down.name()));
        ResidualJoins.Join stage2 = joins.get(1);
        assertTrue(stage2.sources().contains(stage2Down.name()), stage2.toString());
        Set<String> expected = new HashSet<>();
        layers.stream().filter(l -> l != stage2Down).forEach(l -> expected.add(l.activation()));
        joins.stream().filter(j -> j != stage2).forEach(j -> expected.addAll(j.values()));
        assertEquals(expected, mixed.activations().keySet());
        assertFalse(mixed.activations().containsKey("/stage2/down/down.0/Conv_output_0"));
        assertFalse(mixed.activations().containsKey("/stage2/conv2/Conv_output_0"));

        ExportPlan alone = plans.only(stage2Down);
        assertFalse(alone.quantizeStream());
        assertEquals(List.of(stage2Down), alone.int8Layers());
    }

    private static QuantizeOptions cnnOptions(Path out) {
        return FmnistFixtures.options(FmnistFixtures.cnn(), out).method("entropy").perChannel(true).reduceRange(true)
                .calibrationSamples(256).data(FmnistFixtures.testImages()).labels(FmnistFixtures.testLabels())
                .evaluationSamples(EVAL_IMAGES).engineCheck(true);
    }
}
