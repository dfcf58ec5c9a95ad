package io.tare.server.frontend.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Reads one request's body straight into a single array sized from its Content-Length, for the
 * inference endpoint's hot path (vertx-web's BodyHandler first collects into a Buffer that the
 * JSON parser then needs copied out again). A body over the limit is refused before it is read
 * when Content-Length says so, else as soon as the limit is crossed; the rest of it is discarded,
 * so the connection stays usable. With request decompression on, the chunks are the decompressed
 * bytes, so the limit applies to those. {@code Expect: 100-continue} is answered once the body is
 * known to be welcome (the 413 answers it otherwise).
 *
 * <p>Event-loop only: one instance per request, driven by the request's own handlers.
 */
final class BodyCollector implements Handler<Buffer> {
    /** Where a body without a Content-Length starts; it doubles up to the limit. */
    private static final int CHUNKED_START_BYTES = 4096;
    /**
     * The most allocated on a Content-Length's word before the bytes arrive (vertx-web's BodyHandler
     * caps its preallocation the same way): a client declaring the limit and sending nothing must
     * not cost the limit per connection. Larger bodies grow by doubling, up to the declared length.
     */
    private static final int MAX_PREALLOCATED_BYTES = 64 * 1024;

    private final long limit;
    private final long declared;
    private final Runnable tooLarge;
    private byte[] bytes;
    private int size;
    private boolean refused;

    private BodyCollector(long limit, long declared, Runnable tooLarge) {
        this.limit = limit;
        this.declared = declared;
        this.tooLarge = tooLarge;
        this.bytes = new byte[(int) Math.min(declared >= 0 ? declared : CHUNKED_START_BYTES,
                Math.min(limit, MAX_PREALLOCATED_BYTES))];
    }

    /**
     * Reads {@code request}'s body (call from its request handler, before any data is read) and then
     * calls {@code body} with exactly its bytes, or {@code tooLarge} once when it exceeds {@code limit}.
     * Neither is called when the connection fails first.
     */
    static void read(HttpServerRequest request, long limit, Consumer<byte[]> body, Runnable tooLarge) {
        long declared = declaredLength(request);
        if (declared > limit) {
            tooLarge.run();
            return; // with no data handler the request's bytes are dropped as they come
        }
        BodyCollector collector = new BodyCollector(limit, declared, tooLarge);
        request.handler(collector);
        request.exceptionHandler(e -> collector.refused = true);
        request.endHandler(v -> {
            if (!collector.refused) {
                body.accept(collector.size == collector.bytes.length ? collector.bytes
                        : Arrays.copyOf(collector.bytes, collector.size));
            }
        });
        // A client that asked to be told before sending its body (curl does for larger bodies)
        // would otherwise wait for its own timeout; the router answered it, so this path must too.
        if (request.headers().contains(HttpHeaders.EXPECT, HttpHeaders.CONTINUE, true)) {
            request.response().writeContinue();
        }
    }

    @Override
    public void handle(Buffer chunk) {
        if (refused) {
            return;
        }
        int n = chunk.length();
        if (size + (long) n > limit) {
            refused = true;
            bytes = null;
            tooLarge.run();
            return;
        }
        if (size + n > bytes.length) {
            long grown = Math.max(size + n, 2L * bytes.length);
            if (declared >= size + n) {
                grown = Math.min(grown, declared); // ends exactly full: no trimming copy
            }
            bytes = Arrays.copyOf(bytes, (int) Math.min(limit, grown));
        }
        chunk.getBytes(0, n, bytes, size);
        size += n;
    }

    /** Content-Length when present and a number, else -1 (chunked; or malformed, which the codec refuses). */
    private static long declaredLength(HttpServerRequest request) {
        String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value); // Netty strips the whitespace around header values
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
