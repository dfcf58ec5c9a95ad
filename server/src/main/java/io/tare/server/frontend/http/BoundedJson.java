package io.tare.server.frontend.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.tare.server.core.TareException;
import java.io.IOException;

/**
 * The one Jackson factory through which the HTTP frontend reads request bodies, with limits that
 * keep hostile bodies cheap: a request nests a few objects plus one array per tensor dimension, so
 * anything deeper than {@link #MAX_NESTING_DEPTH} is refused by the tokenizer before any of our
 * code sees it (a body nested thousands of levels deep must cost a 400, not a stack overflow).
 *
 * <p>Thread-safe: the factory is immutable; each call opens its own parser.
 */
final class BoundedJson {
    /** Request object, inputs array, input object, parameters, then up to 59 tensor dimensions. */
    static final int MAX_NESTING_DEPTH = 64;
    /** Longest string value: generous for BYTES elements, still far below the body limit's cost. */
    static final int MAX_STRING_LENGTH = 64 * 1024 * 1024;
    /** Longest number literal; a float needs ~25 digits, a uint64 20. */
    static final int MAX_NUMBER_LENGTH = 400;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxStringLength(MAX_STRING_LENGTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .build())
            .build();

    private BoundedJson() {
    }

    /** A parser over {@code bytes[offset, offset + length)}; byte offsets it reports are relative to {@code offset}. */
    static JsonParser open(byte[] bytes, int offset, int length) {
        try {
            return FACTORY.createParser(bytes, offset, length);
        } catch (IOException e) {
            throw invalid(e);
        }
    }

    /** Turns Jackson's complaint into the client's error, naming the limit when one was hit. */
    static TareException invalid(IOException e) {
        if (e instanceof StreamConstraintsException) {
            return TareException.invalid("the JSON body exceeds a limit of this server: "
                    + ((JsonProcessingException) e).getOriginalMessage());
        }
        if (e instanceof JsonProcessingException j) {
            return TareException.invalid("the body is not valid JSON: " + j.getOriginalMessage()
                    + (j.getLocation() != null ? " (at byte " + j.getLocation().getByteOffset() + ")" : ""));
        }
        return TareException.invalid("cannot read the JSON body: " + e.getMessage());
    }

    /** Reads the next token and insists on {@code expected}; {@code what} names the value for the error. */
    static void expect(JsonParser p, JsonToken expected, String what) throws IOException {
        JsonToken t = p.nextToken();
        if (t != expected) {
            throw TareException.invalid(what + " must be " + describe(expected) + ", found " + describe(t));
        }
    }

    /** Insists that the current token is {@code expected}. */
    static void require(JsonParser p, JsonToken expected, String what) {
        JsonToken t = p.currentToken();
        if (t != expected) {
            throw TareException.invalid(what + " must be " + describe(expected) + ", found " + describe(t));
        }
    }

    /** Fails unless nothing but whitespace follows the top-level value. */
    static void requireEnd(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t != null) {
            throw TareException.invalid("the JSON body has content after its end: " + describe(t));
        }
    }

    static String describe(JsonToken t) {
        if (t == null) {
            return "the end of the body";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case END_OBJECT -> "the end of an object";
            case START_ARRAY -> "an array";
            case END_ARRAY -> "the end of an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.name();
        };
    }
}
