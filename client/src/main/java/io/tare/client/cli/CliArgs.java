package io.tare.client.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of one subcommand: {@code --name value}, {@code --name=value}, bare {@code --flag}s and
 * {@code --flag=true|false}. Each command declares which names take values and which are flags, so a
 * typo is an error naming the known options, not ignored. The one command-line parser of both the
 * client and the server CLIs (the server depends on the client module for it).
 */
public final class CliArgs {
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private CliArgs() {
    }

    /**
     * Parses {@code args}.
     *
     * @throws UsageException on an unknown option, a missing value or a stray positional argument
     */
    public static CliArgs parse(List<String> args, Set<String> valueOptions, Set<String> flagOptions)
            throws UsageException {
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
                // an explicit value lets scripts switch a flag off: --json=false
                if (value != null && !value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                    throw new UsageException("--" + name + " takes no value, or true/false; got '" + value + "'");
                }
                value = value == null ? "true" : value.toLowerCase(java.util.Locale.ROOT);
            } else if (valueOptions.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args.get(++i);
                }
            } else {
                throw new UsageException("unknown flag --" + name + " (known: --" + String.join(", --",
                        java.util.stream.Stream.concat(valueOptions.stream(), flagOptions.stream()).sorted().toList())
                        + ")");
            }
            parsed.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return parsed;
    }

    /** Whether the option was given at all (a flag given as {@code --flag=false} counts). */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** Whether a flag is on: given bare or as {@code =true}, and not last given as {@code =false}. */
    public boolean flag(String name) {
        return Boolean.parseBoolean(get(name, "false"));
    }

    /** The last value given for {@code name}, or {@code fallback}. */
    public String get(String name, String fallback) {
        List<String> all = values.get(name);
        return all == null ? fallback : all.getLast();
    }

    public String required(String name) throws UsageException {
        String value = get(name, null);
        if (value == null || value.isEmpty()) {
            throw new UsageException("--" + name + " is required");
        }
        return value;
    }

    /** Every value given for a repeatable option, in order. */
    public List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    /** Any integer (ports may be 0, offsets negative). */
    public int integer(String name, int fallback) throws UsageException {
        String text = get(name, null);
        if (text == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, not '" + text + "'");
        }
    }

    public int positiveInt(String name, int fallback) throws UsageException {
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
    public Duration seconds(String name, Duration fallback, boolean allowZero) throws UsageException {
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
    public List<Double> positiveNumbers(String name) throws UsageException {
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
