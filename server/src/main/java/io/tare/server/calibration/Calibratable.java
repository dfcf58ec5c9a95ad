package io.tare.server.calibration;

/** A backend model whose activation scales are calibrated online (the tare backend's). */
public interface Calibratable {
    /** This model's calibration: statistics, policy, scale history. */
    ModelCalibration calibration();

    /** This model's calibration, or null when it is switched off. */
    ModelCalibration calibrationIfOn();
}
