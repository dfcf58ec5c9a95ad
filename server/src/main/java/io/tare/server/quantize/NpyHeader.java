package io.tare.server.quantize;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of a NumPy {@code .npy} file (format 1.0 to 3.0): element type, order, shape, and where
 * the body starts. Only what offline quantization reads is accepted: C-order arrays of
 * little-endian {@code f4} (samples) or {@code u1}, {@code i4}, {@code i8} (labels).
 *
 * @param descr      NumPy type string, e.g. {@code <f4}
 * @param shape      array shape
 * @param bodyOffset byte offset of the first element
 */
record NpyHeader(String descr, long[] shape, long bodyOffset) {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** Reads the header at the start of {@code channel}; the channel's position is left undefined. */
    static NpyHeader read(FileChannel channel, String source) throws IOException {
        ByteBuffer prefix = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(prefix, 0);
        prefix.flip();
        if (prefix.remaining() < 10) {
            throw new QuantizeException(source + ": not a .npy file (too short)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (prefix.get(i) != MAGIC[i]) {
                throw new QuantizeException(source + ": not a .npy file (bad magic)");
            }
        }
        int major = prefix.get(6) & 0xff;
        long headerLength;
        long start;
        if (major == 1) {
            headerLength = prefix.getShort(8) & 0xffff;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (prefix.remaining() < 12) {
                throw new QuantizeException(source + ": truncated .npy header");
            }
            headerLength = prefix.getInt(8) & 0xffffffffL;
            start = 12;
        } else {
            throw new QuantizeException(source + ": unsupported .npy format version " + major);
        }
        if (headerLength > 1 << 20) {
            throw new QuantizeException(source + ": .npy header of " + headerLength + " bytes is implausible");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLength);
        channel.read(header, start);
        if (header.position() < headerLength) {
            throw new QuantizeException(source + ": truncated .npy header");
        }
        String text = new String(header.array(), StandardCharsets.UTF_8);
        Matcher d = DESCR.matcher(text);
        Matcher f = FORTRAN.matcher(text);
        Matcher s = SHAPE.matcher(text);
        if (!d.find() || !f.find() || !s.find()) {
            throw new QuantizeException(source + ": malformed .npy header: " + text.strip());
        }
        if (f.group(1).equals("True")) {
            throw new QuantizeException(source + ": Fortran-order .npy arrays are not supported; save in C order");
        }
        String[] parts = s.group(1).split(",");
        int rank = 0;
        long[] dims = new long[parts.length];
        for (String p : parts) {
            if (!p.isBlank()) {
                dims[rank++] = Long.parseLong(p.strip());
            }
        }
        return new NpyHeader(d.group(1), java.util.Arrays.copyOf(dims, rank), start + headerLength);
    }

    /** Bytes per element of {@link #descr()}, or a clear error for anything but the accepted types. */
    int elementBytes(String source, String... accepted) {
        for (String a : accepted) {
            if (descr.equals("<" + a) || descr.equals("|" + a) || (a.equals("u1") && descr.equals("u1"))) {
                return Integer.parseInt(a.substring(1));
            }
        }
        throw new QuantizeException(source + ": .npy element type '" + descr + "' is not accepted here (need one of "
                + String.join(", ", accepted) + ", little-endian)");
    }
}
