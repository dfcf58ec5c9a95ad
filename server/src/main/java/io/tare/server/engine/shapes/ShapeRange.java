package io.tare.server.engine.shapes;

import io.tare.server.engine.graph.Attributes;

/** The axes a {@code Shape} node reports: its {@code start} and {@code end} attributes (opset 15), clamped. */
public final class ShapeRange {
    private ShapeRange() {
    }

    /** {@code {from, to}} within {@code [0, rank]}, {@code from <= to}. */
    public static int[] of(Attributes attrs, int rank) {
        long start = attrs.getInt("start", 0);
        long end = attrs.has("end") ? attrs.getInt("end", rank) : rank;
        int from = (int) Math.clamp(start < 0 ? start + rank : start, 0, rank);
        int to = (int) Math.clamp(end < 0 ? end + rank : end, 0, rank);
        return new int[] {from, Math.max(from, to)};
    }
}
