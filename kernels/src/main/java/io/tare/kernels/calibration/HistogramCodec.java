package io.tare.kernels.calibration;

import java.util.Arrays;

/**
 * Wire forms of a {@link TensorHistogram} for merging across processes: only non-empty bins travel,
 * so the size follows the spread of the data, not the binning.
 *
 * <pre>
 * long[] form: MAGIC_LONGS, mantissaBits, minExponent, maxExponent, count, nanCount,
 *              positiveInfCount, negativeInfCount, rawBits(min), rawBits(max), n,
 *              then n pairs (bin index ascending, count &gt; 0)
 * byte[] form: "TRH" 0x01, then unsigned LEB128 varints (exponents zig-zag encoded) in the same
 *              order, min/max as 4 little-endian bytes each, bin indices as deltas
 * </pre>
 * Decoding checks everything a merge relies on (known binning, bins in range and ascending,
 * counts summing to {@code count}, min/max finite and in the first/last non-empty bins, or the
 * empty sentinels when {@code count == 0}) and throws {@link IllegalArgumentException} otherwise,
 * so a corrupt peer cannot poison a fleet-wide merge.
 *
 * <p>Stateless and thread-safe.
 */
final class HistogramCodec {

    static final long MAGIC_LONGS = 0x5452_4831_0000_0001L; // "TRH1", version 1
    private static final byte[] MAGIC_BYTES = {'T', 'R', 'H', 1};
    private static final int HEADER_LONGS = 11;

    private HistogramCodec() {
    }

    static long[] toLongs(TensorHistogram h) {
        long[] counts = h.rawCounts();
        int nonZero = 0;
        for (long c : counts) {
            if (c != 0) {
                nonZero++;
            }
        }
        HistogramBinning b = h.binning();
        long[] out = new long[HEADER_LONGS + 2 * nonZero];
        out[0] = MAGIC_LONGS;
        out[1] = b.mantissaBits();
        out[2] = b.minExponent();
        out[3] = b.maxExponent();
        out[4] = h.count();
        out[5] = h.nanCount();
        out[6] = h.positiveInfCount();
        out[7] = h.negativeInfCount();
        out[8] = Float.floatToRawIntBits(h.rawMin());
        out[9] = Float.floatToRawIntBits(h.rawMax());
        out[10] = nonZero;
        int p = HEADER_LONGS;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                out[p++] = i;
                out[p++] = counts[i];
            }
        }
        return out;
    }

    static TensorHistogram fromLongs(long[] in) {
        if (in.length < HEADER_LONGS || in[0] != MAGIC_LONGS) {
            throw new IllegalArgumentException("not a histogram in long[] form");
        }
        HistogramBinning binning = binning(in[1], in[2], in[3]);
        long n = in[10];
        if (n < 0 || n > binning.binCount() || in.length != HEADER_LONGS + 2 * n) {
            throw new IllegalArgumentException("bad bin count " + n + " for length " + in.length);
        }
        long[] counts = new long[binning.binCount()];
        long previous = -1;
        for (int j = 0; j < n; j++) {
            long bin = in[HEADER_LONGS + 2 * j];
            if (bin <= previous || bin >= counts.length) {
                throw new IllegalArgumentException("bin indices must ascend within range: " + bin);
            }
            counts[(int) bin] = in[HEADER_LONGS + 2 * j + 1];
            previous = bin;
        }
        return validated(binning, counts, in[4], in[5], in[6], in[7],
                Float.intBitsToFloat(intBits(in[8])), Float.intBitsToFloat(intBits(in[9])));
    }

    static byte[] toBytes(TensorHistogram h) {
        Sink out = new Sink();
        out.writeBytes(MAGIC_BYTES);
        HistogramBinning b = h.binning();
        varint(out, b.mantissaBits());
        varint(out, zigZag(b.minExponent()));
        varint(out, zigZag(b.maxExponent()));
        varint(out, h.count());
        varint(out, h.nanCount());
        varint(out, h.positiveInfCount());
        varint(out, h.negativeInfCount());
        int32(out, Float.floatToRawIntBits(h.rawMin()));
        int32(out, Float.floatToRawIntBits(h.rawMax()));
        long[] counts = h.rawCounts();
        int nonZero = 0;
        for (long c : counts) {
            if (c != 0) {
                nonZero++;
            }
        }
        varint(out, nonZero);
        int previous = -1;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                varint(out, i - previous);
                varint(out, counts[i]);
                previous = i;
            }
        }
        return out.toArray();
    }

    static TensorHistogram fromBytes(byte[] in) {
        Reader r = new Reader(in);
        for (byte m : MAGIC_BYTES) {
            if (r.byte8() != m) {
                throw new IllegalArgumentException("not a histogram in byte[] form");
            }
        }
        HistogramBinning binning = binning(r.varint(), unZigZag(r.varint()), unZigZag(r.varint()));
        long count = r.varint();
        long nan = r.varint();
        long posInf = r.varint();
        long negInf = r.varint();
        float min = Float.intBitsToFloat(r.int32());
        float max = Float.intBitsToFloat(r.int32());
        long n = r.varint();
        if (n > binning.binCount()) {
            throw new IllegalArgumentException("bad bin count " + n);
        }
        long[] counts = new long[binning.binCount()];
        long bin = -1;
        for (long j = 0; j < n; j++) {
            long delta = r.varint();
            if (delta <= 0 || delta >= counts.length - bin) {
                throw new IllegalArgumentException("bin indices must ascend within range");
            }
            bin += delta;
            counts[(int) bin] = r.varint();
        }
        if (!r.atEnd()) {
            throw new IllegalArgumentException("trailing bytes after histogram");
        }
        return validated(binning, counts, count, nan, posInf, negInf, min, max);
    }

    private static HistogramBinning binning(long mantissaBits, long minExponent, long maxExponent) {
        if (mantissaBits != (int) mantissaBits || minExponent != (int) minExponent
                || maxExponent != (int) maxExponent) {
            throw new IllegalArgumentException("binning parameters out of range");
        }
        return new HistogramBinning((int) mantissaBits, (int) minExponent, (int) maxExponent);
    }

    private static TensorHistogram validated(HistogramBinning binning, long[] counts, long count, long nan,
                                             long posInf, long negInf, float min, float max) {
        if (count < 0 || nan < 0 || posInf < 0 || negInf < 0) {
            throw new IllegalArgumentException("negative count");
        }
        long sum = 0;
        int first = -1;
        int last = -1;
        for (int i = 0; i < counts.length; i++) {
            long c = counts[i];
            if (c < 0) {
                throw new IllegalArgumentException("negative count in bin " + i);
            }
            if (c != 0) {
                sum = Math.addExact(sum, c);
                if (first < 0) {
                    first = i;
                }
                last = i;
            }
        }
        if (sum != count) {
            throw new IllegalArgumentException("bin counts sum to " + sum + ", header says " + count);
        }
        if (count == 0) {
            if (min != Float.POSITIVE_INFINITY || max != Float.NEGATIVE_INFINITY) {
                throw new IllegalArgumentException("empty histogram with min/max set");
            }
        } else if (!Float.isFinite(min) || !Float.isFinite(max) || min > max
                || binning.binOf(min) != first || binning.binOf(max) != last) {
            throw new IllegalArgumentException("min/max " + min + "/" + max + " disagree with the bins");
        }
        return new TensorHistogram(binning, counts, count, nan, posInf, negInf, min, max);
    }

    private static int intBits(long v) {
        if (v != (int) v) {
            throw new IllegalArgumentException("float bits out of range: " + v);
        }
        return (int) v;
    }

    private static long zigZag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unZigZag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private static void varint(Sink out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static void int32(Sink out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    /** Growable in-memory byte buffer (kernels does no I/O, so no java.io streams). */
    private static final class Sink {
        private byte[] buf = new byte[64];
        private int size;

        void write(int b) {
            if (size == buf.length) {
                buf = Arrays.copyOf(buf, size * 2);
            }
            buf[size++] = (byte) b;
        }

        void writeBytes(byte[] bytes) {
            for (byte b : bytes) {
                write(b);
            }
        }

        byte[] toArray() {
            return Arrays.copyOf(buf, size);
        }
    }

    /** Bounds-checked cursor: malformed input fails with IllegalArgumentException, never AIOOBE. */
    private static final class Reader {
        private final byte[] in;
        private int pos;

        Reader(byte[] in) {
            this.in = in;
        }

        byte byte8() {
            if (pos >= in.length) {
                throw new IllegalArgumentException("truncated histogram");
            }
            return in[pos++];
        }

        long varint() {
            long v = 0;
            for (int s = 0; s < 64; s += 7) {
                byte b = byte8();
                v |= (long) (b & 0x7F) << s;
                if (b >= 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("varint longer than 64 bits");
        }

        int int32() {
            return (byte8() & 0xFF) | (byte8() & 0xFF) << 8 | (byte8() & 0xFF) << 16 | (byte8() & 0xFF) << 24;
        }

        boolean atEnd() {
            return pos == in.length;
        }
    }
}
