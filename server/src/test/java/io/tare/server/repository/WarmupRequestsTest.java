package io.tare.server.repository;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import io.tare.client.data.Datatype;
import io.tare.proto.inference.ModelConfig;
import io.tare.server.backend.ModelInstance;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import io.tare.server.core.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WarmupRequests}: Triton's {@code model_warmup} samples become batched request tensors
 * (zeros, random values, or a file's bytes repeated per batch element), every instance runs every
 * sample {@code count} times in order, and a sample that does not fit the model fails with the
 * file, the sample and the field named.
 */
class WarmupRequestsTest {
    private static final ModelSignature DIGITS = new ModelSignature(
            List.of(new TensorSpec("input", Datatype.FP32, new long[] {1, 8, 8}),
                    new TensorSpec("ids", Datatype.INT64, new long[] {-1})),
            List.of(new TensorSpec("logits", Datatype.FP32, new long[] {10})), 8);

    @TempDir
    Path modelDir;

    private ModelConfig config(String text) throws Exception {
        ModelConfig.Builder b = ModelConfig.newBuilder();
        TextFormat.merge(text, b);
        return b.build();
    }

    private static String sample(String name, int batch, int count, String inputData, String idsData, String idsDims) {
        return "model_warmup [ { name: \"" + name + "\" batch_size: " + batch + " count: " + count
                + " inputs { key: \"input\" value: { data_type: TYPE_FP32 dims: [ 1, 8, 8 ] " + inputData + " } }"
                + " inputs { key: \"ids\" value: { data_type: TYPE_INT64 dims: " + idsDims + " " + idsData
                + " } } } ]\n";
    }

    @Test
    void samplesBecomeBatchedTensorsFromZerosRandomValuesAndFiles() throws Exception {
        byte[] image = new byte[64 * 4];
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 0.5f).putFloat(63 * 4, 2f);
        Files.createDirectories(modelDir.resolve("warmup"));
        Files.write(modelDir.resolve("warmup/image.raw"), image);
        ModelConfig config = config(sample("zeros", 3, 0, "zero_data: true", "random_data: true", "[ 5 ]")
                + sample("file", 2, 4, "input_data_file: \"image.raw\"", "zero_data: true", "[ 7 ]"));
        List<WarmupRequests.Sample> samples = WarmupRequests.of(modelDir, config, DIGITS);
        assertEquals(2, samples.size());

        WarmupRequests.Sample zeros = samples.get(0);
        assertEquals(1, zeros.runs(), "count 0 runs the sample once, as in Triton");
        TensorData input = zeros.inputs().get(0);
        assertEquals("input", input.name());
        assertArrayEquals(new long[] {3, 1, 8, 8}, input.shape());
        assertArrayEquals(new byte[3 * 64 * 4], bytes(input));
        TensorData ids = zeros.inputs().get(1);
        assertArrayEquals(new long[] {3, 5}, ids.shape());
        ByteBuffer idValues = ids.data();
        for (int i = 0; i < 15; i++) {
            long v = idValues.getLong();
            assertTrue(v >= 0 && v <= 127, "random integers stay in [0, 127]: " + v);
        }

        WarmupRequests.Sample file = samples.get(1);
        assertEquals(4, file.runs());
        TensorData fromFile = file.inputs().get(0);
        assertArrayEquals(new long[] {2, 1, 8, 8}, fromFile.shape());
        byte[] twice = new byte[2 * image.length];
        System.arraycopy(image, 0, twice, 0, image.length);
        System.arraycopy(image, 0, twice, image.length, image.length);
        assertArrayEquals(twice, bytes(fromFile), "the file's element is repeated for each batch row");
        assertArrayEquals(new long[] {2, 7}, file.inputs().get(1).shape());
    }

    @Test
    void everyInstanceRunsEverySampleCountTimesInOrder() throws Exception {
        ModelConfig config = config(sample("a", 1, 2, "zero_data: true", "zero_data: true", "[ 3 ]")
                + sample("b", 4, 1, "random_data: true", "zero_data: true", "[ 3 ]"));
        List<WarmupRequests.Sample> samples = WarmupRequests.of(modelDir, config, DIGITS);
        List<String> calls = new ArrayList<>();
        List<ModelInstance> instances = List.of(recording("i0", calls), recording("i1", calls));
        WarmupRequests.run(samples, instances, DIGITS.outputNames());
        assertEquals(List.of("i0:1", "i0:1", "i1:1", "i1:1", "i0:4", "i1:4"), calls);
    }

    @Test
    void aSampleThatFailsToRunFailsTheLoadNamingIt() throws Exception {
        List<WarmupRequests.Sample> samples = WarmupRequests.of(modelDir,
                config(sample("broken", 1, 1, "zero_data: true", "zero_data: true", "[ 3 ]")), DIGITS);
        ModelInstance failing = new ModelInstance() {
            @Override
            public List<TensorData> execute(List<TensorData> inputs, List<String> outputNames) {
                throw new IllegalStateException("index 0 out of range");
            }

            @Override
            public void close() {
            }
        };
        TareException e = assertThrows(TareException.class, () -> WarmupRequests.run(samples, List.of(failing),
                List.of("logits")));
        assertTrue(e.getMessage().contains("model_warmup 'broken'") && e.getMessage().contains("out of range"),
                e.getMessage());
    }

    @Test
    void samplesThatDoNotFitTheModelAreRefusedWithTheFieldNamed() throws Exception {
        Files.createDirectories(modelDir.resolve("warmup"));
        Files.write(modelDir.resolve("warmup/short.raw"), new byte[10]);
        String ok = "zero_data: true";
        String[][] cases = {
            {sample("s", 9, 1, ok, ok, "[ 3 ]"), "exceeds max_batch_size 8"},
            {sample("s", 0, 1, ok, ok, "[ 3 ]"), "batch_size must be >= 1"},
            {sample("s", 1, 1, ok, ok, "[ -1 ]"), "do not fit"},
            {sample("s", 1, 1, ok, ok, "[ 3, 1 ]"), "do not fit"},
            {sample("s", 8, 1, ok, ok, "[ 4294967296 ]"), "exceed 2 GiB"},
            {sample("s", 8, 1, ok, ok, "[ 4611686018427387904 ]"), "exceed 2 GiB"},
            {sample("s", 1, 1, "", ok, "[ 3 ]"), "set one of zero_data, random_data or input_data_file"},
            {sample("s", 1, 1, "input_data_file: \"short.raw\"", ok, "[ 3 ]"), "has 10 bytes, the dims need 256"},
            {sample("s", 1, 1, "input_data_file: \"../../outside.raw\"", ok, "[ 3 ]"), "must name a file in"},
            {sample("s", 1, 1, "input_data_file: \"missing.raw\"", ok, "[ 3 ]"), "cannot read input_data_file"},
            {"model_warmup [ { name: \"s\" batch_size: 1 inputs { key: \"input\" value: { data_type: TYPE_FP32 "
                    + "dims: [ 1, 8, 8 ] zero_data: true } } } ]", "input 'ids' is missing"},
            {sample("s", 1, 1, ok, ok, "[ 3 ]").replace("key: \"ids\" value: { data_type: TYPE_INT64",
                    "key: \"ids\" value: { data_type: TYPE_INT32"),
                "data_type TYPE_INT32 but the model has TYPE_INT64"},
            {sample("s", 1, 1, ok, ok, "[ 3 ]").replace("key: \"ids\"", "key: \"tokens\""),
                    "'tokens' is not an input of the model"},
        };
        for (String[] c : cases) {
            ModelConfig config = config(c[0]);
            TareException e = assertThrows(TareException.class, () -> WarmupRequests.of(modelDir, config, DIGITS),
                    c[0]);
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains("config.pbtxt: model_warmup 's'"),
                    c[1] + " <- " + e.getMessage());
        }
        ModelSignature unbatched = new ModelSignature(DIGITS.inputs(), DIGITS.outputs(), 0);
        ModelConfig two = config(sample("s", 2, 1, ok, ok, "[ 3 ]"));
        TareException e = assertThrows(TareException.class, () -> WarmupRequests.of(modelDir, two, unbatched));
        assertTrue(e.getMessage().contains("batch_size must be 1 for a model that does not batch"), e.getMessage());
    }

    private static ModelInstance recording(String name, List<String> calls) {
        return new ModelInstance() {
            @Override
            public List<TensorData> execute(List<TensorData> inputs, List<String> outputNames) {
                assertEquals(List.of("logits"), outputNames);
                calls.add(name + ":" + inputs.get(0).dim(0));
                return List.of();
            }

            @Override
            public void close() {
            }
        };
    }

    private static byte[] bytes(TensorData t) {
        ByteBuffer b = t.data();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
