package io.tare.server.calibration;

/**
 * Finds a served model's calibration by model name, for the calibration frontends. The server
 * wires it over its model repository.
 */
@FunctionalInterface
public interface CalibrationDirectory {
    /**
     * @throws io.tare.server.core.TareException NOT_FOUND for an unknown model, UNSUPPORTED for a
     *     model whose backend does not calibrate or whose calibration is off
     */
    ModelCalibration find(String modelName);
}
