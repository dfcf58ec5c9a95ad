package io.tare.server.quantize;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A minimal streaming JSON writer for the quantization report: objects, arrays, strings and
 * numbers, with commas placed automatically. Non-finite numbers become {@code null}, since JSON has
 * no NaN or infinity. Not thread-safe.
 */
final class JsonWriter {

    private final StringBuilder sb = new StringBuilder();
    /** Per open container: whether it already holds an element. */
    private final Deque<Boolean> hasElement = new ArrayDeque<>();
    private boolean afterName;

    JsonWriter beginObject() {
        raw("{");
        hasElement.push(false);
        return this;
    }

    JsonWriter endObject() {
        hasElement.pop();
        sb.append('}');
        return this;
    }

    JsonWriter beginArray() {
        raw("[");
        hasElement.push(false);
        return this;
    }

    JsonWriter endArray() {
        hasElement.pop();
        sb.append(']');
        return this;
    }

    JsonWriter name(String name) {
        separate();
        quote(name);
        sb.append(':');
        afterName = true;
        return this;
    }

    JsonWriter string(String s) {
        if (s == null) {
            return raw("null");
        }
        separate();
        quote(s);
        return this;
    }

    JsonWriter number(double d) {
        if (!Double.isFinite(d)) {
            return raw("null");
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return raw(Long.toString((long) d));
        }
        return raw(Double.toString(d));
    }

    JsonWriter bool(boolean b) {
        return raw(Boolean.toString(b));
    }

    JsonWriter field(String name, String v) {
        return name(name).string(v);
    }

    JsonWriter field(String name, double v) {
        return name(name).number(v);
    }

    JsonWriter field(String name, boolean v) {
        return name(name).bool(v);
    }

    private JsonWriter raw(String token) {
        separate();
        sb.append(token);
        return this;
    }

    private void separate() {
        if (afterName) {
            afterName = false;
            return;
        }
        if (!hasElement.isEmpty()) {
            if (hasElement.peek()) {
                sb.append(',');
            }
            hasElement.pop();
            hasElement.push(true);
        }
    }

    private void quote(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
