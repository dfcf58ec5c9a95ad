package io.tare.server.cli;

/** Checks shared by the commands' flag handling. */
final class Options {
    private Options() {
    }

    static String required(Flags flags, String name) {
        String value = flags.get(name, null);
        if (value == null) {
            throw new Flags.UsageException("--" + name + " is required");
        }
        return value;
    }
}
