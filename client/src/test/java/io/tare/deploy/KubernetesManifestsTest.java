package io.tare.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tare.deploy.DeployFiles.at;
import static io.tare.deploy.DeployFiles.listAt;
import static io.tare.deploy.DeployFiles.map;
import static io.tare.deploy.DeployFiles.mapAt;
import static io.tare.deploy.DeployFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/k8s: the fields Kubernetes requires, and the ones Tare's operators rely on. */
class KubernetesManifestsTest {
    private static final Map<String, Integer> PORTS = Map.of("http", 8000, "grpc", 8001, "metrics", 8002);

    @Test
    void deploymentHasProbesResourcesAndNonRootContainer() throws IOException {
        Map<String, Object> deployment = yaml("k8s/deployment.yaml");
        assertEquals("apps/v1", at(deployment, "apiVersion"));
        assertEquals("Deployment", at(deployment, "kind"));
        assertNotNull(at(deployment, "metadata", "name"));
        Map<String, Object> selector = mapAt(deployment, "spec", "selector", "matchLabels");
        Map<String, Object> podLabels = mapAt(deployment, "spec", "template", "metadata", "labels");
        selector.forEach((key, value) -> assertEquals(value, podLabels.get(key), "selector must match pod label " + key));

        Map<String, Object> annotations = mapAt(deployment, "spec", "template", "metadata", "annotations");
        assertEquals("true", annotations.get("prometheus.io/scrape"), "annotation values must be strings");
        assertEquals("8002", annotations.get("prometheus.io/port"));
        assertEquals("/metrics", annotations.get("prometheus.io/path"));

        Map<String, Object> pod = mapAt(deployment, "spec", "template", "spec");
        assertEquals(true, at(pod, "securityContext", "runAsNonRoot"));
        List<Object> containers = listAt(pod, "containers");
        assertEquals(1, containers.size());
        Map<String, Object> container = map(containers.getFirst(), "container");
        assertNotNull(at(container, "name"));
        assertNotNull(at(container, "image"));

        Map<String, Integer> declared = new HashMap<>();
        for (Object port : listAt(container, "ports")) {
            Map<String, Object> p = map(port, "port");
            declared.put((String) at(p, "name"), (Integer) at(p, "containerPort"));
        }
        assertEquals(PORTS, declared);

        assertProbe(container, "readinessProbe", "/v2/health/ready");
        assertProbe(container, "livenessProbe", "/v2/health/live");
        for (String kind : List.of("requests", "limits")) {
            Map<String, Object> resources = mapAt(container, "resources", kind);
            assertNotNull(resources.get("cpu"), kind + ".cpu");
            assertNotNull(resources.get("memory"), kind + ".memory");
        }
        assertEquals(false, at(container, "securityContext", "allowPrivilegeEscalation"));
        List<Object> args = listAt(container, "args");
        assertEquals("serve", args.getFirst());
        assertTrue(args.contains("--model-repository"), args.toString());
    }

    private static void assertProbe(Map<String, Object> container, String probe, String path) {
        assertEquals(path, at(container, probe, "httpGet", "path"));
        Object port = at(container, probe, "httpGet", "port");
        assertTrue(port.equals("http") || port.equals(8000), probe + " must target the HTTP port, not " + port);
    }

    @Test
    void serviceExposesTheThreePortsOfThePods() throws IOException {
        Map<String, Object> service = yaml("k8s/service.yaml");
        Map<String, Object> deployment = yaml("k8s/deployment.yaml");
        assertEquals("v1", at(service, "apiVersion"));
        assertEquals("Service", at(service, "kind"));
        Map<String, Object> podLabels = mapAt(deployment, "spec", "template", "metadata", "labels");
        mapAt(service, "spec", "selector").forEach((key, value) ->
                assertEquals(value, podLabels.get(key), "service selector " + key + " matches no pod label"));
        Map<String, Integer> exposed = new HashMap<>();
        for (Object port : listAt(service, "spec", "ports")) {
            Map<String, Object> p = map(port, "service port");
            Object target = at(p, "targetPort");
            assertTrue(PORTS.containsKey(target) || PORTS.containsValue(target), "unknown targetPort " + target);
            exposed.put((String) at(p, "name"), (Integer) at(p, "port"));
        }
        assertEquals(PORTS, exposed);
        assertEquals("8002", mapAt(service, "metadata", "annotations").get("prometheus.io/port"));
    }

    @Test
    void kustomizationListsExistingManifests() throws IOException {
        Map<String, Object> kustomization = yaml("k8s/kustomization.yaml");
        List<Object> resources = listAt(kustomization, "resources");
        assertTrue(resources.contains("deployment.yaml") && resources.contains("service.yaml"), resources.toString());
        for (Object resource : resources) {
            DeployFiles.file("k8s/" + resource);
        }
    }
}
