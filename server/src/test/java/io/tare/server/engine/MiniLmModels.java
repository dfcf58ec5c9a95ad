package io.tare.server.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 for tests: the FP32 model and ONNX Runtime's dynamic INT8 twin, copied once out
 * of the langchain4j test jars into the temporary folder, the real tokenizer (DJL's HuggingFace
 * tokenizers, offline), the shared sentences, and mean pooling over the attention mask (how the
 * model's sentence embeddings are made).
 */
final class MiniLmModels {
    static final String FP32 = "all-minilm-l6-v2.onnx";
    static final String INT8 = "all-minilm-l6-v2-q.onnx";
    static final int MAX_TOKENS = 128;
    static final int HIDDEN = 384;

    private MiniLmModels() {
    }

    /** The model file {@code name} from the test class path, copied to the temporary folder on first use. */
    static synchronized Path model(String name) throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "tare-minilm");
        Files.createDirectories(dir);
        Path file = dir.resolve(name);
        try (InputStream in = MiniLmModels.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the test class path (langchain4j test dependency)");
            }
            if (!Files.exists(file)) {
                Path tmp = Files.createTempFile(dir, name, ".part");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return file;
    }

    static HuggingFaceTokenizer tokenizer() throws IOException {
        Path json = model("all-minilm-l6-v2-tokenizer.json");
        return HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "true", "maxLength",
                Integer.toString(MAX_TOKENS), "padding", "false"));
    }

    /** The first {@code n} sentences of the shared fixture. */
    static List<String> sentences(int n) throws IOException {
        List<String> all = Files.readAllLines(TestFixtures.fixture("text/sentences.txt"));
        List<String> out = new ArrayList<>();
        for (String s : all) {
            if (!s.isBlank() && out.size() < n) {
                out.add(s);
            }
        }
        if (out.size() < n) {
            throw new IllegalStateException("only " + out.size() + " sentences in the fixture, need " + n);
        }
        return out;
    }

    /** A padded batch: the three int64 inputs [batch, longest] and the masks to pool with. */
    record Batch(Map<String, Tensor> inputs, long[][] masks, int length) { }

    static Batch batch(HuggingFaceTokenizer tokenizer, List<String> sentences) {
        List<Encoding> enc = new ArrayList<>();
        int length = 1;
        for (String s : sentences) {
            Encoding e = tokenizer.encode(s);
            enc.add(e);
            length = Math.max(length, e.getIds().length);
        }
        int b = sentences.size();
        long[] ids = new long[b * length];
        long[] mask = new long[b * length];
        long[] types = new long[b * length];
        long[][] masks = new long[b][length];
        for (int i = 0; i < b; i++) {
            Encoding e = enc.get(i);
            for (int t = 0; t < e.getIds().length; t++) {
                ids[i * length + t] = e.getIds()[t];
                mask[i * length + t] = e.getAttentionMask()[t];
                types[i * length + t] = e.getTypeIds()[t];
                masks[i][t] = e.getAttentionMask()[t];
            }
        }
        int[] shape = {b, length};
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("input_ids", Tensor.ofLongs(shape, ids));
        inputs.put("attention_mask", Tensor.ofLongs(shape, mask));
        inputs.put("token_type_ids", Tensor.ofLongs(shape, types));
        return new Batch(inputs, masks, length);
    }

    /** Mean of the hidden states over each sentence's real tokens: [batch][HIDDEN]. */
    static float[][] pool(float[] hidden, Batch batch) {
        int b = batch.masks().length;
        float[][] out = new float[b][HIDDEN];
        for (int i = 0; i < b; i++) {
            int count = 0;
            for (int t = 0; t < batch.length(); t++) {
                if (batch.masks()[i][t] == 0) {
                    continue;
                }
                count++;
                int base = (i * batch.length() + t) * HIDDEN;
                for (int h = 0; h < HIDDEN; h++) {
                    out[i][h] += hidden[base + h];
                }
            }
            for (int h = 0; h < HIDDEN; h++) {
                out[i][h] /= Math.max(1, count);
            }
        }
        return out;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
