package io.tare.client.cli;

import java.io.PrintStream;

/**
 * The status line of a long-running command, on stderr so stdout stays clean for results. On a terminal
 * it rewrites one line in place; when stderr is a file or pipe, each update is its own line. Public
 * because the server's long commands ({@code tare quantize}) report progress the same way.
 */
public final class ProgressLine {
    private final PrintStream err;
    private final boolean inPlace;
    private int lastLength;
    private boolean open;

    public ProgressLine(PrintStream err, boolean inPlace) {
        this.err = err;
        this.inPlace = inPlace;
    }

    /** In place only when this JVM's stderr is the real stderr and a terminal is attached. */
    public static ProgressLine forStream(PrintStream err) {
        return new ProgressLine(err, err == System.err && System.console() != null);
    }

    /** Whether updates rewrite one line (a terminal) rather than append lines (a file or pipe). */
    public boolean inPlace() {
        return inPlace;
    }

    public synchronized void update(String line) {
        if (inPlace) {
            err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
            open = true;
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** Ends the in-place line so later output starts on a fresh one. */
    public synchronized void done() {
        if (open) {
            err.println();
            open = false;
            lastLength = 0;
        }
    }
}
