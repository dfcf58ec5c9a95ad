package io.tare.server.quantize;

import java.io.PrintStream;

/**
 * A one-line progress bar on a terminal stream (stderr), redrawn with a carriage return. It
 * redraws at most every 100 ms so that a fast loop does not spend its time printing.
 * {@link #SILENT} draws nothing (tests, and runs inside other commands). Subclasses may override
 * {@link #update} to observe progress (a test samples the heap after every calibration batch).
 */
public class ProgressBar {

    public static final ProgressBar SILENT = new ProgressBar(null, "");

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private long total;
    private long lastDraw;
    private final long start = System.nanoTime();

    public ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label;
    }

    /** A bar for a new phase on the same stream. */
    public ProgressBar phase(String newLabel) {
        return out == null ? SILENT : new ProgressBar(out, newLabel);
    }

    public void start(long totalUnits) {
        this.total = totalUnits;
        draw(0, true);
    }

    public void update(long done) {
        draw(done, done >= total);
    }

    public void finish() {
        if (out != null) {
            out.println();
        }
    }

    private void draw(long done, boolean force) {
        if (out == null) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        int filled = total == 0 ? WIDTH : (int) (WIDTH * Math.min(done, total) / total);
        double seconds = (now - start) / 1e9;
        out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total
                + String.format(" %.1fs", seconds));
        out.flush();
    }
}
