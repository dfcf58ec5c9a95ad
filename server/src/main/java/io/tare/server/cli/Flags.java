package io.tare.server.cli;

import io.tare.client.cli.CliArgs;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Command-line flags of one server subcommand. Parsing is the client CLI's {@link CliArgs} (one
 * parser for both CLIs, same syntax and messages); this class only gives the server commands their
 * unchecked {@link UsageException}, which they also throw for bad values deep inside a command.
 */
final class Flags {
    private final CliArgs args;

    private Flags(CliArgs args) {
        this.args = args;
    }

    /**
     * @param valued   flags that take a value
     * @param switches flags that take none (or {@code =true|false})
     * @throws UsageException on an unknown flag, a missing value or a stray argument
     */
    static Flags parse(String[] args, int from, Set<String> valued, Set<String> switches) {
        try {
            return new Flags(CliArgs.parse(Arrays.asList(args).subList(Math.min(from, args.length), args.length),
                    valued, switches));
        } catch (io.tare.client.cli.UsageException e) {
            throw new UsageException(e.getMessage());
        }
    }

    String get(String name, String fallback) {
        return args.get(name, fallback);
    }

    List<String> all(String name) {
        return args.all(name);
    }

    boolean has(String name) {
        return args.has(name);
    }

    boolean isOn(String name) {
        return args.flag(name);
    }

    int getInt(String name, int fallback) {
        try {
            return args.integer(name, fallback);
        } catch (io.tare.client.cli.UsageException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Bad command line: printed with the usage, exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
