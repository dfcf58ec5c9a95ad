package io.tare.server.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line flags of one subcommand: {@code --name value}, {@code --name=value}, or a bare
 * {@code --name} for a boolean. Unknown flags are an error naming the flag and the known ones.
 */
final class Flags {
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private Flags() {
    }

    /**
     * @param valued   flags that take a value
     * @param switches flags that take none
     */
    static Flags parse(String[] args, int from, Set<String> valued, Set<String> switches) {
        Flags flags = new Flags();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
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
            if (switches.contains(name)) {
                flags.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value == null ? "true" : value);
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                flags.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                List<String> known = new ArrayList<>(valued);
                known.addAll(switches);
                throw new UsageException("unknown flag --" + name + " (known: --" + String.join(", --", known.stream().sorted().toList()) + ")");
            }
        }
        return flags;
    }

    String get(String name, String fallback) {
        List<String> v = values.get(name);
        return v == null ? fallback : v.getLast();
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    boolean isOn(String name) {
        return Boolean.parseBoolean(get(name, "false"));
    }

    int getInt(String name, int fallback) {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, not '" + v + "'");
        }
    }

    /** Bad command line: printed with the usage, exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
