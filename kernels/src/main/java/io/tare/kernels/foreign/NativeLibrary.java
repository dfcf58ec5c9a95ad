package io.tare.kernels.foreign;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Finds {@code libtarekernels.so}, which the Maven build compiles with gcc next to this class
 * (absent when the build machine had no gcc). Order: the path in {@value #PATH_PROPERTY}, then the
 * class-path resource; a resource inside a jar is copied to a temporary file first, because
 * {@code dlopen} needs a file. The only I/O in the kernels module, done once at tier selection.
 */
final class NativeLibrary {
    static final String PATH_PROPERTY = "tare.kernels.native.lib";
    static final String FILE_NAME = "libtarekernels.so";

    private NativeLibrary() {
    }

    /** The library file, or an explanation of why there is none. */
    static Path locate() throws IOException {
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (!Files.isRegularFile(p)) {
                throw new IOException("-D" + PATH_PROPERTY + "=" + explicit + " is not a file");
            }
            return p;
        }
        URL url = NativeLibrary.class.getResource(FILE_NAME);
        if (url == null) {
            throw new IOException(FILE_NAME + " not on the class path (built without gcc?)");
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
        }
        Path tmp = Files.createTempFile("tarekernels", ".so");
        tmp.toFile().deleteOnExit();
        try (InputStream in = url.openStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        return tmp;
    }
}
