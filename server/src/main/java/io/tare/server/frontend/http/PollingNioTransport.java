package io.tare.server.frontend.http;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.SelectStrategy;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.IntSupplier;
import io.tare.server.frontend.PollWindow;
import io.vertx.core.impl.transports.NioTransport;
import io.vertx.core.transport.Transport;
import java.nio.channels.spi.SelectorProvider;
import java.util.function.LongSupplier;

/**
 * Vert.x's NIO transport with event loops that poll for a bounded time after their last work
 * before they block ({@link PollWindow}), as the gRPC loops do. An HTTP answer is handed from the
 * compute thread back to the request's event loop ({@code InferenceRoute}); a loop blocked in
 * {@code select} must be woken for it (the selector's wake-up write), a loop still polling is not.
 * NIO is what Vert.x uses here anyway: its native epoll transport is not among the dependencies.
 *
 * <p>{@value #SPIN_PROPERTY} sets the window in microseconds (default {@value #DEFAULT_SPIN_MICROS},
 * as the gRPC loops'; 0 blocks at once, as Vert.x's own transport does). On by default because the
 * one run with the client on its own CPUs (the 16-CPU device, both windows on) measured HTTP at par
 * with gRPC: +190 µs at concurrency 1, 58% at 64. With the load generator on the same two vCPUs it
 * cut the HTTP loops' wake-ups from 2-3 to ~0.1 per request at concurrency 1, but HTTP throughput at
 * 64 came out lower in both before/after pairs there (-7%, -22%): up to four polling loops take turns
 * from two saturated compute threads (BENCHMARKS.md, "Serving").
 */
public final class PollingNioTransport implements Transport {
    public static final String SPIN_PROPERTY = "tare.http.eventLoopSpinMicros";
    public static final long DEFAULT_SPIN_MICROS = 300;

    private final io.vertx.core.spi.transport.Transport implementation;

    private PollingNioTransport(long spinNanos) {
        if (spinNanos < 0) {
            throw new IllegalArgumentException("spinNanos must be >= 0, got " + spinNanos);
        }
        this.implementation = new NioTransport() {
            @Override
            public IoHandlerFactory ioHandlerFactory() {
                return NioIoHandler.newFactory(SelectorProvider.provider(), () -> new Strategy(spinNanos, System::nanoTime));
            }
        };
    }

    /** With the window {@value #SPIN_PROPERTY} asks for, else the default. */
    public static PollingNioTransport fromSystemProperties() {
        return withSpinMicros(Long.getLong(SPIN_PROPERTY, DEFAULT_SPIN_MICROS));
    }

    static PollingNioTransport withSpinMicros(long micros) {
        return new PollingNioTransport(micros * 1_000);
    }

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public boolean available() {
        return true;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    @Override
    public io.vertx.core.spi.transport.Transport implementation() {
        return implementation;
    }

    /** One per event loop, used only by that loop's thread. */
    static final class Strategy implements SelectStrategy {
        private final PollWindow window;

        Strategy(long spinNanos, LongSupplier clock) {
            this.window = new PollWindow(spinNanos, clock);
        }

        @Override
        public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
            return window.strategy(selectNow::get, hasTasks, CONTINUE, SELECT);
        }
    }
}
