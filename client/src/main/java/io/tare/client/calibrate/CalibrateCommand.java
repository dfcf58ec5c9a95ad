package io.tare.client.calibrate;

import io.grpc.StatusRuntimeException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tare client calibrate --follow host:port [--follow ...] --model M [--method mse] [--tensors a,b]
 * [--push [--token-file F]]}: merges the servers' histograms exactly, prints merged counts and the
 * scales the method chooses as JSON, and with {@code --push} installs them on every server.
 */
public final class CalibrateCommand {
    public static final String USAGE = "calibrate --follow host:port [--follow host:port ...] --model M "
            + "[--method minmax|percentile|mse|entropy] [--tensors a,b] [--push] [--token-file F]";

    private CalibrateCommand() {
    }

    /** @return exit code: 0 done, 1 a server failed or refused, 2 bad command line */
    public static int run(List<String> argv, PrintStream out, PrintStream err) {
        List<String> follow = new ArrayList<>();
        String model = null;
        String method = "mse";
        String tokenFile = null;
        List<String> tensors = List.of();
        boolean push = false;
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            boolean hasValue = i + 1 < argv.size();
            switch (a) {
                case "--push" -> push = true;
                case "--follow", "--model", "--method", "--tensors", "--token-file" -> {
                    if (!hasValue) {
                        err.println("error: " + a + " needs a value\nusage: " + USAGE);
                        return 2;
                    }
                    String v = argv.get(++i);
                    switch (a) {
                        case "--follow" -> follow.add(v);
                        case "--model" -> model = v;
                        case "--method" -> method = v;
                        case "--tensors" -> tensors = List.of(v.split(","));
                        default -> tokenFile = v;
                    }
                }
                default -> {
                    err.println("error: unknown option '" + a + "'\nusage: " + USAGE);
                    return 2;
                }
            }
        }
        if (follow.isEmpty() || model == null) {
            err.println("error: --follow and --model are required\nusage: " + USAGE);
            return 2;
        }
        RangeMethod rangeMethod = switch (method.toLowerCase(Locale.ROOT)) {
            case "minmax" -> new MinMaxRange();
            case "percentile" -> new PercentileRange(99.99);
            case "mse" -> new MseRange();
            case "entropy" -> new EntropyRange();
            default -> null;
        };
        if (rangeMethod == null) {
            err.println("error: unknown method '" + method + "'\nusage: " + USAGE);
            return 2;
        }
        String token = null;
        if (tokenFile != null) {
            try {
                token = Files.readString(Path.of(tokenFile)).lines().findFirst().orElse("").strip();
            } catch (IOException e) {
                err.println("error: cannot read " + tokenFile + ": " + e.getMessage());
                return 2;
            }
        }
        try (FleetCalibration fleet = new FleetCalibration(follow, token)) {
            FleetCalibration.Merged merged = fleet.collect(model, tensors);
            Map<String, ScaleZeroPoint> scales = FleetCalibration.scales(merged.histograms(), rangeMethod);
            StringBuilder json = new StringBuilder("{\"model\":\"" + model + "\",\"method\":\"" + rangeMethod.name()
                    + "\",\"servers\":{");
            merged.versions().forEach((t, v) -> json.append('"').append(t).append("\":").append(v).append(','));
            json.setLength(json.length() - (merged.versions().isEmpty() ? 0 : 1));
            json.append("},\"tensors\":{");
            boolean first = true;
            for (var e : merged.histograms().entrySet()) {
                TensorHistogram h = e.getValue();
                ScaleZeroPoint s = scales.get(e.getKey());
                json.append(first ? "" : ",").append('"').append(e.getKey()).append("\":{\"count\":").append(h.count())
                        .append(",\"nan\":").append(h.nanCount()).append(",\"inf\":").append(h.infCount());
                if (!h.isEmpty()) {
                    json.append(",\"min\":").append(h.min()).append(",\"max\":").append(h.max());
                }
                if (s != null) {
                    json.append(",\"scale\":").append(s.scale()).append(",\"zero_point\":").append(s.zeroPoint());
                }
                json.append('}');
                first = false;
            }
            json.append("}}");
            out.println(json);
            if (push) {
                for (ScaleTable t : fleet.push(model, scales)) {
                    err.println("pushed: " + model + " now at scale version " + t.getVersion());
                }
            }
            return 0;
        } catch (StatusRuntimeException e) {
            err.println("error: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 1;
        }
    }
}
