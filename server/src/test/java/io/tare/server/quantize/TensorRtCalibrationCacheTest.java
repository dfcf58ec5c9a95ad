package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.TensorProto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorRtCalibrationCacheTest {

    @TempDir
    Path tmp;

    @Test
    void formatsTheEntropyCalibrator2TextLayout() {
        Map<String, Float> scales = new LinkedHashMap<>();
        scales.put("input", 0.0078125f); // 2^-7: bits 3c000000
        scales.put("a: b", 1f);          // a name holding ": " still parses (last separator wins)
        String text = TensorRtCalibrationCache.format(TensorRtCalibrationCache.DEFAULT_HEADER, scales);
        assertEquals("TRT-8601-EntropyCalibration2\ninput: 3c000000\na: b: 3f800000\n", text);
        TensorRtCalibrationCache.Parsed p = TensorRtCalibrationCache.parse(text);
        assertEquals(TensorRtCalibrationCache.DEFAULT_HEADER, p.header());
        assertEquals(scales, p.scales());
    }

    @Test
    void rejectsMalformedCaches() {
        assertThrows(QuantizeException.class, () -> TensorRtCalibrationCache.parse("input: 3c000000\n"));
        assertThrows(QuantizeException.class, () -> TensorRtCalibrationCache.parse("TRT-8601-EntropyCalibration2\ninput 3c000000\n"));
        assertThrows(QuantizeException.class, () -> TensorRtCalibrationCache.parse("TRT-8601-EntropyCalibration2\ninput: 3c00000\n"));
        assertThrows(QuantizeException.class, () -> TensorRtCalibrationCache.format("TRT-8601-EntropyCalibration2",
                Map.of("x", 0f)));
    }

    /** With int8 activations the cache must carry exactly the scales the QDQ export uses, bit for bit. */
    @Test
    void cacheScalesAreTheExportsScales() throws Exception {
        Path out = tmp.resolve("cnn_int8.onnx");
        Path cache = tmp.resolve("cnn.cache");
        QuantizeOptions o = FmnistFixtures.options(FmnistFixtures.cnn(), out)
                .activationEncoding(ActivationEncoding.INT8_SYMMETRIC).method("mse").trtCache(cache).calibrationSamples(128);
        Quantizer.run(o, ProgressBar.SILENT);
        TensorRtCalibrationCache.Parsed parsed = TensorRtCalibrationCache.parse(Files.readString(cache, StandardCharsets.UTF_8));
        ModelProto q = ModelProtoFile.read(out);
        Map<String, TensorProto> inits = new HashMap<>();
        q.getGraph().getInitializerList().forEach(t -> inits.put(t.getName(), t));
        int checked = 0;
        for (NodeProto n : q.getGraph().getNodeList()) {
            if (n.getOpType().equals("QuantizeLinear")) {
                float exportScale = TensorProtos.floats(inits.get(n.getInput(1)))[0];
                Float cacheScale = parsed.scales().get(n.getInput(0));
                assertTrue(cacheScale != null, "cache lacks " + n.getInput(0));
                assertEquals(Float.floatToRawIntBits(exportScale), Float.floatToRawIntBits(cacheScale), n.getInput(0));
                checked++;
            }
        }
        assertTrue(checked >= 8, "quantized activations checked: " + checked);
        // every other float activation of the model is described too, as TensorRT's implicit mode wants
        assertTrue(parsed.scales().size() > checked, "cache entries " + parsed.scales().size());
    }
}
