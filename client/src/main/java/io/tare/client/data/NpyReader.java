package io.tare.client.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0) into a {@link TensorData}.
 *
 * <p>Supported element types: {@code f4 f8 i1 i4 i8 u1 b1} (float32/64, int8/32/64, uint8, bool), in C order.
 * Big-endian files are byte-swapped to the little-endian layout the protocol uses. Fortran-order arrays
 * and object/structured dtypes are refused with an {@link IOException} that says why, as are files whose
 * body is shorter or longer than the header's shape.
 */
public final class NpyReader {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyReader() {
    }

    /**
     * Reads a whole {@code .npy} file.
     *
     * @throws IOException when the file cannot be read or is not a supported {@code .npy} array
     */
    public static TensorData read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads one {@code .npy} array from {@code in} (which is left after the array's last byte).
     *
     * @param source named in error messages
     */
    public static TensorData read(InputStream in, String source) throws IOException {
        Header parsed = readHeader(in, source);
        long elements = Shapes.elementCount(parsed.shape);
        long byteCount = Math.multiplyExact(elements, parsed.datatype.byteSize());
        if (byteCount > Integer.MAX_VALUE - 16) {
            throw new IOException(source + ": array of " + byteCount + " bytes is too large to hold in memory");
        }
        byte[] body = in.readNBytes((int) byteCount);
        if (body.length < byteCount) {
            throw new IOException(source + ": truncated .npy body: header shape " + Shapes.format(parsed.shape)
                    + " needs " + byteCount + " bytes, file has " + body.length);
        }
        if (in.read() != -1) {
            throw new IOException(source + ": .npy body is longer than its header shape "
                    + Shapes.format(parsed.shape) + " says");
        }
        if (parsed.bigEndian && parsed.datatype.byteSize() > 1) {
            swapBytes(body, parsed.datatype.byteSize());
        }
        return new TensorData(parsed.datatype, parsed.shape, body);
    }

    /**
     * Reads only the header of the {@code .npy} array at the start of {@code in}, which is left at the
     * first byte of the body: for readers that stream a large body instead of holding it.
     *
     * @param source named in error messages
     * @throws IOException when {@code in} does not start with a supported {@code .npy} header
     */
    public static Header readHeader(InputStream in, String source) throws IOException {
        byte[] prefix = in.readNBytes(8);
        if (prefix.length < 8 || !startsWithMagic(prefix)) {
            throw new IOException(source + ": not a .npy file (bad magic)");
        }
        int major = prefix[6] & 0xFF;
        int lengthBytes = switch (major) {
            case 1 -> 2;
            case 2, 3 -> 4;
            default -> throw new IOException(source + ": unsupported .npy format version " + major + "."
                    + (prefix[7] & 0xFF));
        };
        int headerLength = readLittleEndian(in, lengthBytes, source);
        byte[] headerBytes = in.readNBytes(headerLength);
        if (headerBytes.length < headerLength) {
            throw new IOException(source + ": truncated .npy header");
        }
        // Version 3 only widens the header's encoding to UTF-8; ASCII is a subset of it.
        String header = new String(headerBytes, StandardCharsets.UTF_8);
        return parseHeader(header, source, 8L + lengthBytes + headerLength);
    }

    /**
     * A {@code .npy} header.
     *
     * @param datatype   element type
     * @param bigEndian  whether the body's elements are big-endian (they must be swapped to the
     *                   little-endian layout of {@link TensorData})
     * @param shape      array shape (C order), a new array for every header read
     * @param bodyOffset bytes from the start of the file to the first element
     */
    public record Header(Datatype datatype, boolean bigEndian, long[] shape, long bodyOffset) {
    }

    private static Header parseHeader(String header, String source, long bodyOffset) throws IOException {
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw new IOException(source + ": malformed .npy header: " + header.strip());
        }
        if (fortran.group(1).equals("True")) {
            throw new IOException(source + ": Fortran-order arrays are not supported; save with C order");
        }
        String type = descr.group(1);
        if (type.length() < 2) {
            throw new IOException(source + ": unsupported .npy dtype '" + type + "'");
        }
        char order = type.charAt(0);
        boolean bigEndian = order == '>' || (order == '=' && ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN);
        if ("<>|=".indexOf(order) < 0) {
            throw new IOException(source + ": unsupported .npy dtype '" + type + "'");
        }
        Datatype datatype = switch (type.substring(1)) {
            case "f4" -> Datatype.FP32;
            case "f8" -> Datatype.FP64;
            case "i1" -> Datatype.INT8;
            case "i4" -> Datatype.INT32;
            case "i8" -> Datatype.INT64;
            case "u1" -> Datatype.UINT8;
            case "b1" -> Datatype.BOOL;
            default -> throw new IOException(source + ": unsupported .npy dtype '" + type
                    + "' (supported: f4 f8 i1 i4 i8 u1 b1)");
        };
        return new Header(datatype, bigEndian, parseShape(shape.group(1), source), bodyOffset);
    }

    private static long[] parseShape(String tuple, String source) throws IOException {
        List<Long> dims = new ArrayList<>();
        for (String part : tuple.split(",")) {
            String dim = part.strip();
            if (dim.isEmpty()) {
                continue; // "(10,)" has a trailing comma
            }
            // NumPy on some platforms writes "10L" for long dimensions.
            if (dim.endsWith("L")) {
                dim = dim.substring(0, dim.length() - 1);
            }
            try {
                dims.add(Long.parseLong(dim));
            } catch (NumberFormatException e) {
                throw new IOException(source + ": bad .npy shape (" + tuple + ")");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static boolean startsWithMagic(byte[] prefix) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (prefix[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static int readLittleEndian(InputStream in, int width, String source) throws IOException {
        byte[] raw = in.readNBytes(width);
        if (raw.length < width) {
            throw new IOException(source + ": truncated .npy header length");
        }
        ByteBuffer buffer = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long length = width == 2 ? buffer.getShort() & 0xFFFF : buffer.getInt() & 0xFFFF_FFFFL;
        if (length > 1 << 24) {
            throw new IOException(source + ": implausible .npy header length " + length);
        }
        return (int) length;
    }

    private static void swapBytes(byte[] body, int width) {
        for (int start = 0; start < body.length; start += width) {
            for (int i = 0, j = width - 1; i < j; i++, j--) {
                byte t = body[start + i];
                body[start + i] = body[start + j];
                body[start + j] = t;
            }
        }
    }
}
