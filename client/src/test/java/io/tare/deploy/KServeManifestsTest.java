package io.tare.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static io.tare.deploy.DeployFiles.at;
import static io.tare.deploy.DeployFiles.listAt;
import static io.tare.deploy.DeployFiles.map;
import static io.tare.deploy.DeployFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/kserve: the fields KServe's CRDs require (no cluster here to validate against the CRD schemas),
 * and that the InferenceService really selects the Tare runtime.
 */
class KServeManifestsTest {
    @Test
    void servingRuntimeServesOnnxOverV2() throws IOException {
        Map<String, Object> runtime = yaml("kserve/servingruntime.yaml");
        assertEquals("serving.kserve.io/v1alpha1", at(runtime, "apiVersion"));
        assertEquals("ServingRuntime", at(runtime, "kind"));
        assertNotNull(at(runtime, "metadata", "name"));
        boolean onnx = listAt(runtime, "spec", "supportedModelFormats").stream()
                .map(format -> map(format, "supportedModelFormats[]"))
                .anyMatch(format -> "onnx".equals(at(format, "name")));
        assertTrue(onnx, "supportedModelFormats must include onnx");
        assertTrue(listAt(runtime, "spec", "protocolVersions").contains("v2"));

        List<Object> containers = listAt(runtime, "spec", "containers");
        assertEquals(1, containers.size());
        Map<String, Object> container = map(containers.getFirst(), "container");
        assertEquals("kserve-container", at(container, "name"), "KServe finds the model server by this name");
        assertNotNull(at(container, "image"));
        List<Object> args = listAt(container, "args");
        assertEquals("serve", args.getFirst());
        // KServe's storage initializer puts the model where every runtime reads it.
        assertEquals("/mnt/models", args.get(args.indexOf("--model-repository") + 1));
        assertEquals("8080", args.get(args.indexOf("--http-port") + 1), "KServe routes REST to 8080");
        assertEquals("8002", at(runtime, "spec", "annotations", "prometheus.kserve.io/port"));
    }

    @Test
    void inferenceServiceUsesTheRuntimeWithV2() throws IOException {
        Map<String, Object> runtime = yaml("kserve/servingruntime.yaml");
        Map<String, Object> service = yaml("kserve/inferenceservice.yaml");
        assertEquals("serving.kserve.io/v1beta1", at(service, "apiVersion"));
        assertEquals("InferenceService", at(service, "kind"));
        assertNotNull(at(service, "metadata", "name"));
        Map<String, Object> model = DeployFiles.mapAt(service, "spec", "predictor", "model");
        assertEquals("onnx", at(model, "modelFormat", "name"));
        assertEquals(at(runtime, "metadata", "name"), at(model, "runtime"));
        assertEquals("v2", at(model, "protocolVersion"));
        assertTrue(String.valueOf(at(model, "storageUri")).matches("[a-z0-9]+://.+"), "storageUri must be a URI");
    }
}
