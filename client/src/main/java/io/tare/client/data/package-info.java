/**
 * Tensors as little-endian bytes and the files they come from: {@code .npy} ({@link io.tare.client.data.NpyReader})
 * and headerless raw arrays ({@link io.tare.client.data.RawTensorFile}).
 *
 * <p>This package depends on the JDK only (no gRPC, protobuf or JSON), so that other modules — the server's
 * evaluation CLI, benchmarks — can read the same data files without pulling in the client's transports.
 */
package io.tare.client.data;
