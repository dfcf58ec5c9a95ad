package io.tare.client.cli;

/** A command line the CLI cannot act on; reported with a hint and exit code 2. */
public final class UsageException extends Exception {
    public UsageException(String message) {
        super(message);
    }
}
