package io.tare.server.engine.shapes;

import java.util.ArrayList;
import java.util.List;

/** The inferred shape of a value: one {@link Dim} per axis (a known rank). */
public record ValueShape(List<Dim> dims) {
    public ValueShape {
        dims = List.copyOf(dims);
    }

    public static ValueShape of(long... sizes) {
        List<Dim> d = new ArrayList<>();
        for (long s : sizes) {
            d.add(Dim.of(s));
        }
        return new ValueShape(d);
    }

    public int rank() {
        return dims.size();
    }

    public Dim dim(int axis) {
        return dims.get(axis);
    }

    /** Every axis has a known size. */
    public boolean known() {
        return dims.stream().allMatch(Dim::known);
    }

    /** The sizes; only when {@link #known()}. */
    public long[] sizes() {
        return dims.stream().mapToLong(Dim::size).toArray();
    }

    /** Whether the tensor {@code actual} could have this shape (symbols match any size). */
    public boolean admits(int[] actual) {
        if (actual.length != rank()) {
            return false;
        }
        for (int i = 0; i < actual.length; i++) {
            if (dims.get(i).known() && dims.get(i).size() != actual[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return dims.toString();
    }
}
