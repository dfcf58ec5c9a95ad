package io.tare.client.cli;

import io.tare.client.InferInput;
import io.tare.client.InferOptions;
import io.tare.client.TareClientException;
import io.tare.client.perf.LoadLevel;
import io.tare.client.perf.PerfReport;
import io.tare.client.perf.PerfResult;
import io.tare.client.perf.PerfRunner;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code perf}: a load generator in the manner of Triton's perf_analyzer. For each concurrency (closed
 * loop) or request rate (open loop) it warms up, measures for a fixed window, and reports throughput and
 * p50/p90/p95/p99 latency; requests cycle through batches of the input file's rows, so the server sees real
 * data. Results go to stdout as a table (or JSON) and, with {@code --csv}, to a file, one row per level.
 */
final class PerfCommand implements Command {
    @Override
    public String usage() {
        return "perf --model M --input name=file[:shape] ... (--concurrency 1,8,64 | --request-rate R[,R...])\n"
                + "        [--protocol grpc|http] [--batch B] [--duration S] [--warmup S] [--max-in-flight N]\n"
                + "        [--csv out.csv] [--json] [--version V] [--url host:port] [--timeout S]";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException {
        Set<String> values = new HashSet<>(Endpoint.VALUE_OPTIONS);
        values.addAll(Set.of("model", "input", "concurrency", "request-rate", "duration", "warmup", "batch", "csv",
                "max-in-flight", "version"));
        Set<String> flags = new HashSet<>(Endpoint.FLAG_OPTIONS);
        flags.add("json");
        CliArgs args = CliArgs.parse(argv, values, flags);
        String model = args.required("model");
        List<LoadLevel> levels = levels(args);
        int batch = args.positiveInt("batch", 1);
        PerfRunner.Settings settings = new PerfRunner.Settings(
                args.seconds("warmup", PerfRunner.Settings.DEFAULT_WARMUP, true),
                args.seconds("duration", PerfRunner.Settings.DEFAULT_MEASURE, false),
                args.positiveInt("max-in-flight", PerfRunner.Settings.DEFAULT_MAX_IN_FLIGHT),
                PerfRunner.Settings.DEFAULT_DRAIN);
        Path csv = args.has("csv") ? Path.of(args.get("csv", "")) : null;
        List<List<InferInput>> requests = InputSet.load(args.all("input")).batches(batch);
        InferOptions options = InferOptions.builder().modelVersion(args.get("version", "")).build();

        // The runner's callbacks only record a latency and send the next request: safe on transport threads.
        try (Endpoint endpoint = Endpoint.open(args, true)) {
            // One request first: a wrong model name or input fails here with the server's message.
            endpoint.infer(model, requests.getFirst(), options);
            ProgressLine progress = ProgressLine.forStream(err);
            err.printf(Locale.ROOT, "perf: %s over %s at %s, batch %d, %d distinct requests, warmup %.1f s, "
                            + "measure %.1f s per level%n", model, endpoint.isHttp() ? "HTTP" : "gRPC",
                    endpoint.address(), batch, requests.size(), settings.warmup().toMillis() / 1e3,
                    settings.measure().toMillis() / 1e3);
            PerfRunner runner = new PerfRunner(inputs -> endpoint.inferAsync(model, inputs, options), requests, batch,
                    settings, progress::update);
            List<PerfResult> results = new ArrayList<>();
            for (LoadLevel level : levels) {
                results.add(runner.run(level));
                progress.done();
            }
            out.print(args.flag("json") ? PerfReport.json(results) : PerfReport.table(results));
            if (csv != null) {
                writeCsv(csv, results);
                err.println("perf: wrote " + csv);
            }
            return reportErrors(results, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("error: interrupted");
            return 1;
        }
    }

    private static List<LoadLevel> levels(CliArgs args) throws UsageException {
        boolean concurrency = args.has("concurrency");
        boolean rate = args.has("request-rate");
        if (concurrency == rate) {
            throw new UsageException("give exactly one of --concurrency 1,8,64 or --request-rate R");
        }
        List<LoadLevel> levels = new ArrayList<>();
        if (concurrency) {
            for (double value : args.positiveNumbers("concurrency")) {
                if (value != Math.rint(value)) {
                    throw new UsageException("--concurrency takes whole numbers, got " + value);
                }
                levels.add(LoadLevel.concurrency((int) value));
            }
        } else {
            for (double value : args.positiveNumbers("request-rate")) {
                levels.add(LoadLevel.requestRate(value));
            }
        }
        return levels;
    }

    private static void writeCsv(Path csv, List<PerfResult> results) {
        try {
            Files.writeString(csv, PerfReport.csv(results), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TareClientException(io.grpc.Status.Code.INTERNAL, "cannot write " + csv + ": " + e.getMessage(),
                    0, e);
        }
    }

    private static int reportErrors(List<PerfResult> results, PrintStream err) {
        int status = 0;
        for (PerfResult result : results) {
            if (result.errors() > 0 || result.completed() == 0) {
                err.println("error: " + result.level() + ": " + result.errors() + " requests failed, "
                        + result.completed() + " succeeded" + (result.firstError().isEmpty() ? ""
                        : "; first error: " + result.firstError()));
                status = 1;
            }
        }
        return status;
    }
}
