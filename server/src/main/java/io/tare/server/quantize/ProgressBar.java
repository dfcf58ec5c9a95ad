package io.tare.server.quantize;

import io.tare.client.cli.ProgressLine;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar over the batches of one phase ({@code calibrate [#####     ] 320/512 2.1s}),
 * written through the client's {@link ProgressLine}: rewritten in place on a terminal, one line per
 * update into a file or pipe. It redraws at most every 100 ms on a terminal and every 5 s into a
 * log, so that a fast loop does not spend its time printing. {@link #SILENT} draws nothing (tests,
 * and runs inside other commands). Subclasses may override {@link #update} to observe progress (a
 * test samples the heap after every calibration batch).
 */
public class ProgressBar {

    public static final ProgressBar SILENT = new ProgressBar(null, "");

    private static final int WIDTH = 30;
    private static final long TERMINAL_NANOS = 100_000_000L;
    private static final long LOG_NANOS = 5_000_000_000L;
    private final PrintStream out;
    private final ProgressLine line;
    private final String label;
    private long total;
    private long lastDraw = Long.MIN_VALUE;
    private final long start = System.nanoTime();

    /** @param out the stream to draw on (stderr), or null for none */
    public ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.line = out == null ? null : ProgressLine.forStream(out);
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
        if (line != null) {
            line.done();
        }
    }

    private void draw(long done, boolean force) {
        if (line == null) {
            return;
        }
        long now = System.nanoTime();
        if (!force && lastDraw != Long.MIN_VALUE && now - lastDraw < (line.inPlace() ? TERMINAL_NANOS : LOG_NANOS)) {
            return;
        }
        lastDraw = now;
        int filled = total == 0 ? WIDTH : (int) (WIDTH * Math.min(done, total) / total);
        line.update(String.format(Locale.ROOT, "%s [%s%s] %d/%d %.1fs", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                done, total, (now - start) / 1e9));
    }
}
