package io.tare.client.cli;

import io.tare.client.InferInput;
import io.tare.client.InferOptions;
import io.tare.client.InferResult;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code infer --model M --input name=file[:shape] ...}: one request, from whole files or (with
 * {@code --batch}) a slice of their rows; prints a summary or, with {@code --output-json}, the full result.
 */
final class InferCommand implements Command {
    @Override
    public String usage() {
        return "infer --model M --input name=file[:shape] ... [--batch B [--start-row R]] [--output NAME ...]\n"
                + "        [--version V] [--http [--json-tensors]] [--output-json] [--url host:port] [--timeout S]";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException {
        Set<String> values = new HashSet<>(Endpoint.VALUE_OPTIONS);
        values.addAll(Set.of("model", "input", "batch", "start-row", "output", "version"));
        Set<String> flags = new HashSet<>(Endpoint.FLAG_OPTIONS);
        flags.addAll(Set.of("output-json", "json-tensors"));
        CliArgs args = CliArgs.parse(argv, values, flags);
        String model = args.required("model");
        if (args.has("start-row") && !args.has("batch")) {
            throw new UsageException("--start-row needs --batch");
        }
        if (args.flag("json-tensors") && !Endpoint.usesHttp(args)) {
            throw new UsageException("--json-tensors applies to --http only");
        }
        InputSet data = InputSet.load(args.all("input"));
        List<InferInput> inputs = args.has("batch")
                ? data.batch(nonNegative(args, "start-row"), args.positiveInt("batch", 1))
                : data.whole();
        InferOptions.Builder options = InferOptions.builder()
                .modelVersion(args.get("version", ""))
                .binaryData(!args.flag("json-tensors"));
        args.all("output").forEach(options::requestOutput);
        try (Endpoint endpoint = Endpoint.open(args)) {
            InferResult result = endpoint.infer(model, inputs, options.build());
            if (args.flag("output-json")) {
                ResultPrinter.printJson(result, out);
            } else {
                ResultPrinter.printSummary(result, out);
            }
            return 0;
        }
    }

    static long nonNegative(CliArgs args, String name) throws UsageException {
        String text = args.get(name, "0");
        try {
            long value = Long.parseLong(text.trim());
            if (value < 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a non-negative integer, got '" + text + "'");
        }
    }
}
