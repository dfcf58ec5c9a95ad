package io.tare.server.engine.graph;

/**
 * Stands in for an attribute whose ONNX type the engine does not decode (graphs, sparse tensors,
 * type protos). Kept so that the validator can name it if a supported operator ever sees one.
 */
public record UndecodedAttribute(String onnxType) { }
