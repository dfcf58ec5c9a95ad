package io.tare.client.cli;

/** A command line the CLI cannot act on; reported with a hint and exit code 2. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
