package io.tare.server.engine.shapes;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One axis of an inferred shape: a known size, or a symbol standing for a size fixed only at run
 * time. Two symbolic axes are the same size when they carry the same symbol (an input's
 * {@code dim_param}, or a symbol inference copied from one value to another); a fresh symbol
 * ({@link #unknown}) equals nothing else.
 *
 * @param size   the size, or -1 when symbolic
 * @param symbol the symbol when {@code size} is -1, else null
 */
public record Dim(long size, String symbol) {
    private static final AtomicLong FRESH = new AtomicLong();

    public Dim {
        if ((size < 0) == (symbol == null)) {
            throw new IllegalArgumentException("a dim is either a size >= 0 or a symbol");
        }
    }

    public static Dim of(long size) {
        return new Dim(size, null);
    }

    public static Dim symbol(String name) {
        return new Dim(-1, name);
    }

    /** A size nothing is known about. */
    public static Dim unknown() {
        return new Dim(-1, "?" + FRESH.incrementAndGet());
    }

    public boolean known() {
        return size >= 0;
    }

    /** Whether the two are certainly the same size. */
    public boolean sameAs(Dim other) {
        return known() ? other.known() && size == other.size : symbol.equals(other.symbol);
    }

    @Override
    public String toString() {
        return known() ? Long.toString(size) : symbol;
    }
}
