package io.tare.server.quantize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 and real sentences as {@code tare quantize} takes them: the FP32 model copied
 * out of the langchain4j test jar, and a directory of {@code input_ids.npy},
 * {@code attention_mask.npy}, {@code token_type_ids.npy} (int64 {@code [N, L]}, padded with 0 to the
 * longest sentence, at most {@link #MAX_TOKENS} tokens) made by the model's own tokenizer (DJL's
 * HuggingFace tokenizers, offline) from lines of {@code ../shared/fixtures/text/sentences.txt}.
 *
 * <p>Also a command for the full measurement in RESULTS.md:
 * {@code MiniLmSentences SENTENCES FIRST COUNT OUT_DIR [MODEL_OUT]}.
 */
final class MiniLmSentences {

    static final String MODEL = "all-minilm-l6-v2.onnx";
    static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";
    static final int MAX_TOKENS = 128;

    private MiniLmSentences() {
    }

    /** The resource {@code name} of the langchain4j jar, copied to {@code file} unless it is there already. */
    static Path extract(String name, Path file) throws IOException {
        if (Files.exists(file)) {
            return file;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (InputStream in = MiniLmSentences.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path (the langchain4j test dependency)");
            }
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), name, ".part");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        }
        return file;
    }

    /** {@code fixtures/text/sentences.txt} under {@code tare.shared.dir}; fails loudly when it is missing. */
    static Path fixture() {
        String shared = System.getProperty("tare.shared.dir");
        if (shared == null) {
            throw new IllegalStateException("system property tare.shared.dir is not set (the Maven build sets it)");
        }
        Path f = Path.of(shared, "fixtures", "text", "sentences.txt");
        if (!Files.isRegularFile(f)) {
            throw new IllegalStateException("sentences fixture missing: " + f);
        }
        return f;
    }

    /** Non-blank lines {@code [first, first + count)} of the sentences file. */
    static List<String> sentences(Path file, int first, int count) throws IOException {
        List<String> all = Files.readAllLines(file).stream().filter(s -> !s.isBlank()).toList();
        if (all.size() < first + count) {
            throw new IllegalStateException(file + " has " + all.size() + " sentences, need " + (first + count));
        }
        return all.subList(first, first + count);
    }

    /**
     * Tokenizes {@code sentences} and writes the three input files into {@code dir}.
     *
     * @return the padded length L
     */
    static int write(List<String> sentences, Path dir) throws IOException {
        Path json = extract(TOKENIZER, dir.resolveSibling(dir.getFileName() + "-tokenizer").resolve(TOKENIZER));
        List<Encoding> enc = new ArrayList<>();
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "true",
                "maxLength", Integer.toString(MAX_TOKENS), "padding", "false"))) {
            for (String s : sentences) {
                enc.add(tokenizer.encode(s));
            }
        }
        int length = enc.stream().mapToInt(e -> e.getIds().length).max().orElse(1);
        int n = sentences.size();
        long[] ids = new long[n * length];
        long[] mask = new long[n * length];
        long[] types = new long[n * length];
        for (int i = 0; i < n; i++) {
            Encoding e = enc.get(i);
            for (int t = 0; t < e.getIds().length; t++) {
                ids[i * length + t] = e.getIds()[t];
                mask[i * length + t] = e.getAttentionMask()[t];
                types[i * length + t] = e.getTypeIds()[t];
            }
        }
        Files.createDirectories(dir);
        NpyFiles.writeLongs(dir.resolve("input_ids.npy"), ids, n, length);
        NpyFiles.writeLongs(dir.resolve("attention_mask.npy"), mask, n, length);
        NpyFiles.writeLongs(dir.resolve("token_type_ids.npy"), types, n, length);
        return length;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: MiniLmSentences SENTENCES FIRST COUNT OUT_DIR [MODEL_OUT]");
            System.exit(2);
        }
        List<String> s = sentences(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        int length = write(s, Path.of(args[3]));
        System.out.println("wrote " + s.size() + " sentences x " + length + " tokens to " + args[3]);
        if (args.length > 4) {
            System.out.println("model: " + extract(MODEL, Path.of(args[4])));
        }
    }
}
