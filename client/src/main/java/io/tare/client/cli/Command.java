package io.tare.client.cli;

import java.io.PrintStream;
import java.util.List;

/** One subcommand of {@link ClientMain}. */
interface Command {
    /**
     * Runs the command.
     *
     * @param args the arguments after the subcommand's name
     * @return the exit code: 0 success, 1 the server failed or said no
     * @throws UsageException for a command line it cannot act on (exit code 2)
     */
    int run(List<String> args, PrintStream out, PrintStream err) throws UsageException;

    /** The synopsis shown in help. */
    String usage();
}
