package io.tare.server.cli;

import io.tare.server.engine.WeightBits;

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

    /** {@code --weight-bits 8|7|auto} (default auto), resolved for this machine ({@link WeightBits}). */
    static int weightBits(Flags flags) {
        try {
            return WeightBits.parse(flags.get("weight-bits", WeightBits.AUTO));
        } catch (IllegalArgumentException e) {
            throw new Flags.UsageException("--weight-bits: " + e.getMessage());
        }
    }

    /** {@code --weight-bits 8|7}, no {@code auto}: for what is written for any machine ({@link WeightBits#parseFixed}). */
    static int fixedWeightBits(Flags flags) {
        try {
            return WeightBits.parseFixed(flags.get("weight-bits", "8"));
        } catch (IllegalArgumentException e) {
            throw new Flags.UsageException("--weight-bits: " + e.getMessage());
        }
    }
}
