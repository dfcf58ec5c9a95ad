package io.tare.kernels.simd;

/**
 * How the Vector API SGEMM cuts a block of m rows into register tiles: 6-row tiles, then 4-row ones,
 * a remainder of 2 after a 6 taken as 4 + 4 (8 rows: two 4-row tiles rather than a 6 and two 1-row
 * passes over the panel), and the last 0-3 rows one at a time. The 6-, 4- and 2-row tiles sum each
 * element as one fused multiply-add chain in k order (ONNX Runtime's rounding, which the engine's
 * attention relies on); the 1-row tile splits k over four accumulators. The one place this plan is
 * written: the kernels follow it and the engine asks it which rows would not be k-order chains.
 * No Vector API here, so any module may ask.
 */
public final class RowTiles {
    private RowTiles() {
    }

    /** Rows taken by 6-row tiles. */
    static int sixRowTiles(int m) {
        int sixes = m / 6;
        return m % 6 == 2 && sixes > 0 ? sixes - 1 : sixes;
    }

    /** The leading rows of an m-row block that the 6-, 4- and 2-row tiles take; the rest go to the 1-row tile. */
    public static int chained(int m) {
        int sixes = sixRowTiles(m);
        return sixes * 6 + (m - sixes * 6) / 4 * 4;
    }
}
