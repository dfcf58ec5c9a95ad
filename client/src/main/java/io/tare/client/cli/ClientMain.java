package io.tare.client.cli;

import io.tare.client.TareClientException;
import io.tare.client.calibrate.CalibrateCommand;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tare client <command>}: health, metadata, infer, stream, perf, stats and repository against a
 * KServe v2 server, and calibrate against Tare's calibration service.
 *
 * <p>Exit codes: 0 success; 1 the server failed, refused or was unreachable (its status message is
 * printed); 2 the command line was wrong (a usage hint is printed).
 */
public final class ClientMain {
    public static final int EXIT_OK = 0;
    public static final int EXIT_SERVER_ERROR = 1;
    public static final int EXIT_USAGE = 2;

    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("health", new HealthCommand());
        COMMANDS.put("metadata", new MetadataCommand());
        COMMANDS.put("infer", new InferCommand());
        COMMANDS.put("stream", new StreamCommand());
        COMMANDS.put("perf", new PerfCommand());
        COMMANDS.put("stats", new StatsCommand());
        COMMANDS.put("repository", new RepositoryCommand());
        COMMANDS.put("calibrate", new Command() {
            @Override
            public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
                return CalibrateCommand.run(args, out, err);
            }

            @Override
            public String usage() {
                return CalibrateCommand.USAGE;
            }
        });
    }

    private ClientMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line, writing results to {@code out} and progress and errors to {@code err}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            err.print(usage());
            return args.length == 0 ? EXIT_USAGE : EXIT_OK;
        }
        Command command = COMMANDS.get(args[0]);
        if (command == null) {
            err.println("error: unknown command '" + args[0] + "'");
            err.print(usage());
            return EXIT_USAGE;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            return command.run(rest, out, err);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("usage: tare client " + command.usage());
            return EXIT_USAGE;
        } catch (TareClientException e) {
            err.println("error: " + e.getMessage());
            return EXIT_SERVER_ERROR;
        } finally {
            out.flush();
        }
    }

    static String usage() {
        StringBuilder text = new StringBuilder("usage: tare client <command> [options]\n\ncommands:\n");
        COMMANDS.values().forEach(command -> text.append("  ").append(command.usage()).append('\n'));
        text.append("\n--url defaults to localhost:8001 (gRPC) or localhost:8000 (HTTP); --timeout is in seconds;\n")
                .append("--token-file F sends the admin token in F as 'Authorization: Bearer <token>'.\n")
                .append("Input files: .npy (shape from its header) or raw .f32/.f64/.i8/.i32/.i64/.u8 with a shape;\n")
                .append("one -1 in a shape is inferred from the file size, e.g. x=test_x.f32:-1,1,28,28.\n")
                .append("Exit codes: 0 ok, 1 server error, 2 bad arguments.\n");
        return text.toString();
    }
}
