package io.tare.server.quantize;

/** Signal-to-quantization-noise ratio, {@code 10 log10(signal / noise)}; +Infinity for a perfect copy. */
final class Sqnr {

    private Sqnr() {
    }

    static double decibels(double signalEnergy, double noiseEnergy) {
        if (noiseEnergy == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return 10 * Math.log10(signalEnergy / noiseEnergy);
    }
}
