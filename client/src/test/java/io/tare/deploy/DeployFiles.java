package io.tare.deploy;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Finds deploy/ from the {@code tare.root.dir} system property and reads its YAML documents. */
final class DeployFiles {
    private DeployFiles() {
    }

    static Path root() {
        String root = System.getProperty("tare.root.dir");
        assertNotNull(root, "tare.root.dir is not set (surefire passes it)");
        Path deploy = Path.of(root, "deploy");
        assertTrue(Files.isDirectory(deploy), "no deploy folder at " + deploy);
        return deploy;
    }

    static Path file(String relative) {
        Path file = root().resolve(relative);
        assertTrue(Files.isRegularFile(file), "missing " + file);
        return file;
    }

    /** Every document of a YAML file, as maps; the safe constructor refuses arbitrary types. */
    static List<Map<String, Object>> yamlDocuments(String relative) throws IOException {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : yaml.loadAll(Files.readString(file(relative)))) {
            if (document != null) {
                documents.add(map(document, relative));
            }
        }
        assertTrue(!documents.isEmpty(), relative + " has no YAML document");
        return documents;
    }

    static Map<String, Object> yaml(String relative) throws IOException {
        List<Map<String, Object>> documents = yamlDocuments(relative);
        assertTrue(documents.size() == 1, relative + " should hold one document");
        return documents.getFirst();
    }

    /** The value at a path of keys; fails naming the path when a key is missing. */
    static Object at(Map<String, Object> node, String... path) {
        Object current = node;
        StringBuilder where = new StringBuilder();
        for (String key : path) {
            where.append('.').append(key);
            Map<String, Object> map = map(current, where.toString());
            if (!map.containsKey(key)) {
                fail("missing required key " + where);
            }
            current = map.get(key);
        }
        return current;
    }

    static Map<String, Object> mapAt(Map<String, Object> node, String... path) {
        return map(at(node, path), String.join(".", path));
    }

    static List<Object> listAt(Map<String, Object> node, String... path) {
        Object value = at(node, path);
        assertInstanceOf(List.class, value, String.join(".", path) + " should be a list");
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) value;
        return list;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String where) {
        assertInstanceOf(Map.class, value, where + " should be a mapping");
        return (Map<String, Object>) value;
    }
}
