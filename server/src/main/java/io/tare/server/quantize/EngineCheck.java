package io.tare.server.quantize;

/**
 * The export run in Tare's engine beside ONNX Runtime.
 *
 * @param score           the engine's accuracy and output against FP32
 * @param agreementWithOrt fraction of samples whose top-1 class is the same in both runtimes
 */
public record EngineCheck(ModelScore score, double agreementWithOrt) {
}
