/**
 * The KServe v2 (Open Inference Protocol) HTTP/REST frontend on Vert.x, with Triton's binary
 * tensor, model repository, configuration and statistics extensions.
 *
 * <p>{@link io.tare.server.frontend.http.HttpFrontend} wires the routes; each route class answers
 * one part of the protocol. {@code RestTensorCodec} is the only place where JSON data arrays and
 * binary tensors become {@link io.tare.server.core.TensorData} and back;
 * {@code InferRequestDecoder} and {@code InferResponseEncoder} frame requests and responses around
 * it. Request bodies are read through {@code BoundedJson}, whose limits make hostile JSON cheap.
 */
package io.tare.server.frontend.http;
