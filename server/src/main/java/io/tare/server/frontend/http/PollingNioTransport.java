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
 * <p>{@value #SPIN_PROPERTY} sets the window in microseconds (default
 * {@value #DEFAULT_SPIN_MICROS}; 0 blocks at once, as Vert.x's own transport does).
 */
public final class PollingNioTransport implements Transport {
    public static final String SPIN_PROPERTY = "tare.http.eventLoopSpinMicros";
    /** As the gRPC loops' window: about a batch-1 CNN answer here (~250 µs). */
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
        return new PollingNioTransport(Long.getLong(SPIN_PROPERTY, DEFAULT_SPIN_MICROS) * 1_000);
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
