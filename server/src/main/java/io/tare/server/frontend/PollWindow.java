package io.tare.server.frontend;

import java.util.function.LongSupplier;

/**
 * The rule behind both protocols' event-loop select strategies (gRPC's shaded Netty and Vert.x's
 * Netty, which share no types): keep polling the sockets without blocking for {@code spinNanos}
 * after the loop's last work ends, then block as Netty does by default.
 *
 * <p>Why: the answer to a request is handed to the event loop by a compute thread. A loop blocked
 * in {@code epoll_wait} must then be woken through an eventfd, a wake-up that costs 100-300 µs on
 * these VMs when the loop's vCPU has halted; a loop still polling sees the task on its next turn,
 * and Netty skips the eventfd write for a loop that is awake. An idle loop blocks after
 * {@code spinNanos}, so a quiet server burns no CPU.
 *
 * <p>The window opens when the loop's work ends, not when a turn begins: a select strategy is asked
 * at the top of every turn, so a turn that found I/O, ran tasks or came back from a blocking select
 * makes the next call the end of some work. Timed from the start of a turn, the decoding of a
 * request that woke a blocked loop used the window up, and at concurrency 1, where every request
 * wakes a blocked loop, the loop never polled for the answer (strace: one non-blocking
 * {@code epoll_wait} after each hand-off, then a blocking one, and an eventfd write per answer).
 *
 * <p>Threading: one instance per event loop, used only by that loop's thread.
 */
public final class PollWindow {
    /** Netty's non-blocking select, as each Netty flavour spells it. */
    @FunctionalInterface
    public interface SelectNow {
        int get() throws Exception;
    }

    private final long spinNanos;
    private final LongSupplier clock;
    private long lastActive;
    /** Whether the loop did work (I/O, tasks, or a blocking select that returned) since the last call. */
    private boolean worked;

    public PollWindow(long spinNanos, LongSupplier clock) {
        if (spinNanos < 0) {
            throw new IllegalArgumentException("spinNanos must be >= 0, got " + spinNanos);
        }
        this.spinNanos = spinNanos;
        this.clock = clock;
        this.lastActive = clock.getAsLong();
    }

    /**
     * Netty's {@code SelectStrategy.calculateStrategy}: the ready count of a non-blocking select,
     * or {@code continueCode} (poll again; the loop runs its tasks and asks again) or
     * {@code selectCode} (block).
     */
    public int strategy(SelectNow selectNow, boolean hasTasks, int continueCode, int selectCode) throws Exception {
        long now = clock.getAsLong();
        if (worked) {
            lastActive = now; // the previous turn's work ended just now
            worked = false;
        }
        if (hasTasks) {
            worked = true;
            return selectNow.get(); // as Netty's default: never block while tasks wait
        }
        if (now - lastActive >= spinNanos) {
            // Block without a non-blocking select first (Netty's default does none either): the
            // blocking one returns at once for I/O already waiting, and at concurrency 1 every
            // request ends its loop's turn here, so that select would be a syscall per request.
            worked = true; // whatever ends the blocking select (I/O, a task, a timer) is work to time from
            return selectCode;
        }
        int ready = selectNow.get();
        if (ready > 0) {
            worked = true;
            return ready;
        }
        Thread.yield(); // a polling loop gives its core to any thread with work
        return continueCode;
    }
}
