package io.tare.server.frontend.http;

import io.tare.server.core.InferenceRequest;

/** A request body decoded once: what to run, and how the client wants the outputs back. */
record DecodedInference(InferenceRequest request, OutputFormat outputFormat) {
}
