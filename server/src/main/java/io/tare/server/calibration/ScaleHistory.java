package io.tare.server.calibration;

import io.tare.server.engine.quant.ScaleTable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The tables a model has served: a rollback stack (the active table on top, the ones it replaced
 * below) and a log of every install for display. Bounded. Calibration thread only; {@link #log}
 * returns copies.
 */
final class ScaleHistory {
    /** Tables kept for rollback and entries kept in the log. */
    static final int CAPACITY = 32;

    /** One installed table and where it came from ("file", "auto", "client", "promotion", "rollback"). */
    record Entry(ScaleTable table, String source, long installedAtMillis) {
    }

    private final Deque<Entry> stack = new ArrayDeque<>();
    private final Deque<Entry> log = new ArrayDeque<>();
    private long highestVersion;

    /** The highest version ever installed (0 before any), so that versions never repeat. */
    long highestVersion() {
        return highestVersion;
    }

    /** Whether the active table is a cold-start promotion with nothing below it. */
    boolean activeIsFirstPromotion() {
        return stack.size() == 1 && "promotion".equals(stack.peekLast().source());
    }

    /** Forgets the active table: the model serves without one again. */
    void clearActive() {
        stack.clear();
    }

    void installed(ScaleTable table, String source) {
        highestVersion = Math.max(highestVersion, table.version());
        Entry e = new Entry(table, source, System.currentTimeMillis());
        push(stack, e);
        push(log, e);
    }

    /**
     * The table below the active one, to restore, removing the active one from the stack; empty
     * when there is nothing to go back to.
     */
    Optional<Entry> popForRollback() {
        if (stack.size() < 2) {
            return Optional.empty();
        }
        stack.removeLast();
        return Optional.of(stack.removeLast());
    }

    /** Re-pushes an entry that a failed rollback popped. */
    void restore(Entry e) {
        stack.addLast(e);
    }

    int rollbackDepth() {
        return Math.max(0, stack.size() - 1);
    }

    List<Entry> log() {
        return new ArrayList<>(log);
    }

    private static void push(Deque<Entry> d, Entry e) {
        if (d.size() == CAPACITY) {
            d.removeFirst();
        }
        d.addLast(e);
    }
}
