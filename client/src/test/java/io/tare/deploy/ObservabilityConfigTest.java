package io.tare.deploy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tare.deploy.DeployFiles.at;
import static io.tare.deploy.DeployFiles.listAt;
import static io.tare.deploy.DeployFiles.map;
import static io.tare.deploy.DeployFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/prometheus and deploy/grafana: they scrape the right port and query only metrics Tare exports. */
class ObservabilityConfigTest {
    /** The series the server's Micrometer meters become in Prometheus. */
    private static final Set<String> EXPORTED = Set.of("tare_requests_total", "tare_request_duration_seconds_bucket",
            "tare_queue_duration_seconds_bucket", "tare_compute_duration_seconds_bucket", "tare_batch_size_sum",
            "tare_batch_size_count", "tare_batch_size_bucket", "tare_pending_requests");
    private static final Pattern METRIC = Pattern.compile("\\btare_[a-z_]+");

    @Test
    void prometheusScrapesLocalAndPodMetricsPorts() throws IOException {
        Map<String, Object> config = yaml("prometheus/prometheus.yml");
        for (Object ruleFile : listAt(config, "rule_files")) {
            DeployFiles.file("prometheus/" + ruleFile);
        }
        Set<String> jobs = new HashSet<>();
        boolean localTarget = false;
        boolean keepsMetricsPort = false;
        for (Object job : listAt(config, "scrape_configs")) {
            Map<String, Object> scrape = map(job, "scrape_config");
            jobs.add((String) at(scrape, "job_name"));
            if (scrape.containsKey("static_configs")) {
                for (Object staticConfig : listAt(scrape, "static_configs")) {
                    localTarget |= listAt(map(staticConfig, "static_config"), "targets").contains("localhost:8002");
                }
            }
            if (scrape.containsKey("kubernetes_sd_configs")) {
                for (Object relabel : listAt(scrape, "relabel_configs")) {
                    Map<String, Object> rule = map(relabel, "relabel_config");
                    keepsMetricsPort |= "keep".equals(rule.get("action")) && "metrics".equals(rule.get("regex"))
                            && List.of("__meta_kubernetes_pod_container_port_name").equals(rule.get("source_labels"));
                }
            }
        }
        assertEquals(2, jobs.size(), "job names must be unique: " + jobs);
        assertTrue(localTarget, "a static job should scrape localhost:8002");
        assertTrue(keepsMetricsPort, "the pod job should keep only the port named metrics");
    }

    @Test
    void rulesUseOnlyExportedMetrics() throws IOException {
        String rules = Files.readString(DeployFiles.file("prometheus/tare-rules.yml"));
        assertUsesOnlyExported(rules, "tare-rules.yml");
    }

    @Test
    void dashboardQueriesEveryTareMetricAndNothingElse() throws IOException {
        JsonObject dashboard = JsonParser.parseString(
                Files.readString(DeployFiles.file("grafana/tare-dashboard.json"))).getAsJsonObject();
        assertTrue(dashboard.has("title") && dashboard.has("uid"));
        Set<Integer> ids = new HashSet<>();
        Set<String> used = new HashSet<>();
        for (JsonElement element : dashboard.getAsJsonArray("panels")) {
            JsonObject panel = element.getAsJsonObject();
            assertTrue(ids.add(panel.get("id").getAsInt()), "duplicate panel id " + panel.get("id"));
            assertTrue(panel.has("gridPos") && panel.has("title"), "panel needs gridPos and title: " + panel);
            assertTrue(panel.getAsJsonArray("targets").size() > 0, panel.get("title") + " has no query");
            for (JsonElement target : panel.getAsJsonArray("targets")) {
                String expr = target.getAsJsonObject().get("expr").getAsString();
                used.addAll(assertUsesOnlyExported(expr, panel.get("title").getAsString()));
            }
        }
        for (String family : List.of("tare_requests_total", "tare_request_duration_seconds", "tare_queue_duration_seconds",
                "tare_compute_duration_seconds", "tare_batch_size", "tare_pending_requests")) {
            assertTrue(used.stream().anyMatch(metric -> metric.startsWith(family)), "no panel shows " + family);
        }
    }

    private static Set<String> assertUsesOnlyExported(String text, String where) {
        Set<String> used = new HashSet<>();
        Matcher matcher = METRIC.matcher(text);
        while (matcher.find()) {
            String metric = matcher.group();
            // Recording rule names (model:tare_...:rate1m) are defined, not scraped.
            boolean recorded = matcher.start() > 0 && text.charAt(matcher.start() - 1) == ':';
            assertTrue(recorded || EXPORTED.contains(metric), where + " queries " + metric + ", which Tare does not export");
            used.add(metric);
        }
        return used;
    }
}
