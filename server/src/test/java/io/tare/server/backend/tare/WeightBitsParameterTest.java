package io.tare.server.backend.tare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.server.calibration.CalibrationFixtures;
import io.tare.server.core.TareException;
import io.tare.server.quantize.ModelProtoFile;
import io.tare.server.quantize.QdqPromotion;
import io.tare.kernels.KernelProvider;
import io.tare.kernels.Kernels;
import io.tare.server.engine.WeightBits;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The tare backend's {@code weight_bits} parameter: {@code auto} unless set (7 where the selected
 * kernels favour 7-bit weights, 8 elsewhere), 7, 8 or auto accepted, anything else refused naming the
 * parameter; and the static model a float file is promoted to quantizes its weights to that many
 * bits (7: every weight in [-63, 63], each channel reaching 63).
 */
class WeightBitsParameterTest {

    @Test
    void parsesSevenEightOrAutoAndDefaultsToAuto() {
        int auto = WeightBits.automatic(KernelProvider.get());
        assertEquals(auto, TareModelParameters.from(Map.of()).weightBits());
        assertEquals(auto, TareModelParameters.from(Map.of("weight_bits", " AUTO ")).weightBits());
        assertEquals(7, TareModelParameters.from(Map.of("weight_bits", "7")).weightBits());
        assertEquals(8, TareModelParameters.from(Map.of("weight_bits", " 8 ")).weightBits());
        for (String bad : new String[] {"4", "", "auto7"}) {
            TareException e = assertThrows(TareException.class, () -> TareModelParameters.from(Map.of("weight_bits", bad)));
            assertTrue(e.getMessage().contains("weight_bits") && e.getMessage().contains("auto"), e.getMessage());
        }
    }

    /** auto follows the kernels: 7 exactly where the native AVX2 kernel has the exact VPMADDUBSW path. */
    @Test
    void autoPicksSevenBitsOnlyWhereTheKernelsFavourThem() {
        for (Kernels k : KernelProvider.available()) {
            assertEquals(k.favoursSevenBitWeights() ? 7 : 8, WeightBits.automatic(k), k.description());
        }
    }

    @Test
    void promotedModelQuantizesWeightsToTheRequestedBits() throws Exception {
        ModelProto fp32 = ModelProtoFile.read(CalibrationFixtures.fixture("fmnist/mlp/fmnist_mlp_fp32.onnx"));
        Map<String, ScaleZeroPoint> scales = new HashMap<>();
        for (NodeProto n : fp32.getGraph().getNodeList()) {
            for (String in : n.getInputList()) {
                scales.put(in, new ScaleZeroPoint(0.05f, 128));
            }
        }
        for (int bits : new int[] {8, 7}) {
            int qmax = bits == 7 ? 63 : 127;
            ModelProto promoted = QdqPromotion.promote(fp32, scales, bits);
            int weights = 0;
            for (TensorProto t : promoted.getGraph().getInitializerList()) {
                if (t.getDataType() != TensorProto.DataType.INT8_VALUE || !t.getName().endsWith("_quantized")) {
                    continue;
                }
                weights++;
                int max = 0;
                for (byte b : t.getRawData().toByteArray()) {
                    assertTrue(Math.abs(b) <= qmax, t.getName() + " value " + b + " at " + bits + " bits");
                    max = Math.max(max, Math.abs(b));
                }
                assertEquals(qmax, max, t.getName());
            }
            assertEquals(3, weights, "quantized weight tensors at " + bits + " bits");
        }
    }
}
