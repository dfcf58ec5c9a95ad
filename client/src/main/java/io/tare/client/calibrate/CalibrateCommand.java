package io.tare.client.calibrate;

import io.grpc.StatusRuntimeException;
import io.tare.client.cli.CliArgs;
import io.tare.client.cli.UsageException;
import io.tare.kernels.calibration.EntropyRange;
import io.tare.kernels.calibration.MinMaxRange;
import io.tare.kernels.calibration.MseRange;
import io.tare.kernels.calibration.PercentileRange;
import io.tare.kernels.calibration.RangeMethod;
import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.kernels.calibration.TensorHistogram;
import io.tare.proto.calibration.ScaleTable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code tare client calibrate --follow host:port [--follow ...] --model M [--method mse] [--tensors a,b]
 * [--interval S] [--count N] [--duration S] [--push [--token-file F]]}: follows the servers' live
 * statistics streams, and for every merged update of the fleet ({@link FleetFollow}) prints one JSON
 * line: merged counts and the scales the method chooses. It stops after {@code --count} updates or
 * {@code --duration} seconds, or runs until interrupted. A server that goes away is reported on
 * stderr and reconnected. With {@code --push} the scales of the last update are installed on every
 * server at the end; without a limit, {@code --push} stops after the first update.
 */
public final class CalibrateCommand {
    public static final String USAGE = "calibrate --follow host:port [--follow host:port ...] --model M "
            + "[--method minmax|percentile|mse|entropy] [--tensors a,b] [--interval S] [--count N] [--duration S] "
            + "[--push] [--token-file F]";
    private static final Set<String> VALUED = Set.of("follow", "model", "method", "tensors", "interval", "count",
            "duration", "token-file");
    private static final Set<String> FLAGS = Set.of("push");
    /** How long one wait for an update lasts when no --duration bounds it. */
    private static final Duration UNBOUNDED_WAIT = Duration.ofHours(1);

    private CalibrateCommand() {
    }

    /**
     * @return exit code: 0 done (or interrupted), 1 a server refused, nothing came within
     *     {@code --duration}, or a push failed
     * @throws UsageException for a bad command line (exit code 2)
     */
    public static int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException {
        CliArgs args = CliArgs.parse(argv, VALUED, FLAGS);
        List<String> servers = args.all("follow");
        if (servers.isEmpty()) {
            throw new UsageException("--follow host:port is required (once per server)");
        }
        String model = args.required("model");
        RangeMethod method = method(args.get("method", "mse"));
        List<String> tensors = args.has("tensors") ? List.of(args.get("tensors", "").split(",")) : List.of();
        Duration interval = args.seconds("interval", Duration.ofSeconds(1), false);
        Duration duration = args.seconds("duration", null, false);
        boolean push = args.flag("push");
        // a push acts once, on the last update, so it needs an end: the first update unless told otherwise
        long count = args.has("count") ? args.positiveInt("count", 1) : push && duration == null ? 1 : Long.MAX_VALUE;
        String token = token(args.get("token-file", null));

        try (FleetCalibration fleet = new FleetCalibration(servers, token);
             FleetFollow live = fleet.follow(model, tensors, interval, err::println)) {
            long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            FleetFollow.Update last = null;
            while (last == null || last.sequence() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                FleetFollow.Update update = live.next(duration == null ? UNBOUNDED_WAIT : Duration.ofNanos(left));
                if (update != null) {
                    last = update;
                    out.println(json(model, method, update));
                    out.flush();
                }
            }
            if (last == null) {
                err.println("error: no statistics from " + live.waitingFor() + " within " + args.get("duration", "")
                        + " s");
                return 1;
            }
            if (push) {
                Map<String, ScaleZeroPoint> scales = FleetCalibration.scales(last.merged().histograms(), method);
                for (ScaleTable t : fleet.push(model, scales)) {
                    err.println("pushed: " + model + " now at scale version " + t.getVersion());
                }
            }
            return 0;
        } catch (InterruptedException e) {
            // the normal way to stop an unbounded follow from inside a program; nothing is pushed
            Thread.currentThread().interrupt();
            err.println("stopped following " + servers);
            return 0;
        } catch (StatusRuntimeException e) {
            err.println("error: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 1;
        }
    }

    private static RangeMethod method(String name) throws UsageException {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "minmax" -> new MinMaxRange();
            case "percentile" -> new PercentileRange(99.99);
            case "mse" -> new MseRange();
            case "entropy" -> new EntropyRange();
            default -> throw new UsageException("unknown method '" + name + "' (known: minmax, percentile, mse, entropy)");
        };
    }

    private static String token(String file) throws UsageException {
        if (file == null) {
            return null;
        }
        try {
            return Files.readString(Path.of(file)).lines().findFirst().orElse("").strip();
        } catch (IOException e) {
            throw new UsageException("cannot read --token-file " + file + ": " + e.getMessage());
        }
    }

    /** One update as a JSON line: servers' versions, then per tensor merged counts and chosen scales. */
    static String json(String model, RangeMethod method, FleetFollow.Update update) {
        FleetCalibration.Merged merged = update.merged();
        Map<String, ScaleZeroPoint> scales = FleetCalibration.scales(merged.histograms(), method);
        StringBuilder json = new StringBuilder("{\"update\":" + update.sequence() + ",\"model\":\"" + model
                + "\",\"method\":\"" + method.name() + "\",\"servers\":{");
        String sep = "";
        for (var v : merged.versions().entrySet()) {
            json.append(sep).append('"').append(v.getKey()).append("\":").append(v.getValue());
            sep = ",";
        }
        json.append('}');
        if (!update.disconnected().isEmpty()) {
            json.append(",\"disconnected\":[");
            sep = "";
            for (String s : update.disconnected()) {
                json.append(sep).append('"').append(s).append('"');
                sep = ",";
            }
            json.append(']');
        }
        json.append(",\"tensors\":{");
        sep = "";
        for (var e : merged.histograms().entrySet()) {
            TensorHistogram h = e.getValue();
            ScaleZeroPoint s = scales.get(e.getKey());
            json.append(sep).append('"').append(e.getKey()).append("\":{\"count\":").append(h.count())
                    .append(",\"nan\":").append(h.nanCount()).append(",\"inf\":").append(h.infCount());
            if (!h.isEmpty()) {
                json.append(",\"min\":").append(h.min()).append(",\"max\":").append(h.max());
            }
            if (s != null) {
                json.append(",\"scale\":").append(s.scale()).append(",\"zero_point\":").append(s.zeroPoint());
            }
            json.append('}');
            sep = ",";
        }
        return json.append("}}").toString();
    }
}
