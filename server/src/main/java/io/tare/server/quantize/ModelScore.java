package io.tare.server.quantize;

/**
 * One candidate model measured on the evaluation set.
 *
 * @param accuracy   top-1 accuracy against the labels, NaN without labels
 * @param comparison its output against the FP32 model's
 */
public record ModelScore(double accuracy, OutputComparison comparison) {
}
