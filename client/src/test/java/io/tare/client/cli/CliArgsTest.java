package io.tare.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The one command-line parser of both CLIs: the syntax the client and the server commands share. */
class CliArgsTest {
    private static final Set<String> VALUED = Set.of("model", "port", "follow");
    private static final Set<String> FLAGS = Set.of("json", "push");

    private static CliArgs parse(String... args) throws UsageException {
        return CliArgs.parse(List.of(args), VALUED, FLAGS);
    }

    @Test
    void valuesFlagsAndRepeats() throws UsageException {
        CliArgs a = parse("--model", "m", "--port=0", "--json", "--follow", "a:1", "--follow=b:2", "--push=false");
        assertEquals("m", a.get("model", null));
        assertEquals(0, a.integer("port", 8001), "zero is a valid integer (an ephemeral port)");
        assertTrue(a.flag("json"));
        assertTrue(a.has("push"));
        assertFalse(a.flag("push"), "--flag=false switches a flag off");
        assertEquals(List.of("a:1", "b:2"), a.all("follow"));
        assertEquals(-3, parse("--port", "-3").integer("port", 0));
    }

    @Test
    void mistakesAreUsageErrorsThatSayWhatIsKnown() {
        UsageException unknown = assertThrows(UsageException.class, () -> parse("--modle", "m"));
        assertEquals("unknown flag --modle (known: --follow, --json, --model, --port, --push)", unknown.getMessage());
        assertTrue(assertThrows(UsageException.class, () -> parse("--json=maybe")).getMessage()
                .contains("--json takes no value, or true/false"));
        assertTrue(assertThrows(UsageException.class, () -> parse("--model")).getMessage().contains("needs a value"));
        assertTrue(assertThrows(UsageException.class, () -> parse("stray")).getMessage().contains("unexpected"));
        assertTrue(assertThrows(UsageException.class, () -> parse("--port", "x").integer("port", 0)).getMessage()
                .contains("must be an integer"));
    }
}
