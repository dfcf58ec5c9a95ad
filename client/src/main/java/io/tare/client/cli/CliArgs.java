package io.tare.client.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of one subcommand: {@code --name value}, {@code --name=value} and bare {@code --flag}s.
 * Each command declares which names take values and which are flags, so a typo is an error, not ignored.
 */
final class CliArgs {
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private CliArgs() {
    }

    /**
     * Parses {@code args}.
     *
     * @throws UsageException on an unknown option, a missing value or a stray positional argument
     */
    static CliArgs parse(List<String> args, Set<String> valueOptions, Set<String> flagOptions) throws UsageException {
        CliArgs parsed = new CliArgs();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flagOptions.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                value = "true";
            } else if (valueOptions.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args.get(++i);
                }
            } else {
                throw new UsageException("unknown option --" + name);
            }
            parsed.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return parsed;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    /** The last value given for {@code name}, or {@code fallback}. */
    String get(String name, String fallback) {
        List<String> all = values.get(name);
        return all == null ? fallback : all.getLast();
    }

    String required(String name) throws UsageException {
        String value = get(name, null);
        if (value == null || value.isEmpty()) {
            throw new UsageException("--" + name + " is required");
        }
        return value;
    }

    /** Every value given for a repeatable option, in order. */
    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    int positiveInt(String name, int fallback) throws UsageException {
        String text = get(name, null);
        if (text == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value <= 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a positive integer, got '" + text + "'");
        }
    }

    /** A duration in seconds, fractions allowed ("0.5"); zero allowed when {@code allowZero}. */
    Duration seconds(String name, Duration fallback, boolean allowZero) throws UsageException {
        String text = get(name, null);
        if (text == null) {
            return fallback;
        }
        try {
            double seconds = Double.parseDouble(text.trim());
            if (!(seconds > 0 || (allowZero && seconds == 0)) || Double.isInfinite(seconds)) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos(Math.round(seconds * 1e9));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number of seconds, got '" + text + "'");
        }
    }

    /** Comma-separated positive numbers ("1,8,64"). */
    List<Double> positiveNumbers(String name) throws UsageException {
        List<Double> numbers = new ArrayList<>();
        for (String part : get(name, "").split(",")) {
            try {
                double value = Double.parseDouble(part.trim());
                if (!(value > 0) || Double.isInfinite(value)) {
                    throw new NumberFormatException();
                }
                numbers.add(value);
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " takes positive numbers separated by commas, got '"
                        + get(name, "") + "'");
            }
        }
        return numbers;
    }
}
