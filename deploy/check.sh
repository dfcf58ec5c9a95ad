#!/usr/bin/env bash
# Validates everything under deploy/ offline (no cluster, no Docker engine needed):
#   1. every Kubernetes/KServe manifest parses as Kubernetes objects (kubectl, client side only),
#      and deploy/k8s builds with kustomize;
#   2. Prometheus rules pass promtool check and their unit tests, the scrape config passes promtool;
#   3. the Grafana dashboard is valid JSON;
#   4. the Java deploy tests (client/src/test/java/io/tare/deploy): required keys of the Deployment,
#      Service, ServingRuntime and InferenceService, the scrape config, the dashboard's metric names,
#      and a static check of the Dockerfile (stages, non-root USER, EXPOSE, HEALTHCHECK, ENTRYPOINT).
# The image itself is not built here: that needs a Docker engine (docker build -f deploy/Dockerfile .).
# A missing tool fails the check, naming the Debian package that provides it; nothing is skipped silently.
set -euo pipefail
DEPLOY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$DEPLOY")"
BUILD_DIR="${TARE_BUILD_DIR:-target-deploy-check}"
failures=0

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "check: '$1' is not installed (apt-get install $2)" >&2; exit 1; }
}
step() { printf '%-62s' "$1"; }
ok() { echo "ok"; }
bad() { echo "FAILED"; echo "$1" | sed 's/^/    /'; failures=$((failures + 1)); }

need kubectl kubectl
need promtool prometheus
need python3 python3
need mvn maven

# kubectl create/apply --dry-run=client still ask a server for the schema (and fail on CRDs without it);
# "kubectl label --local" decodes the objects purely client side, so it is the offline parse check.
for manifest in "$DEPLOY"/k8s/deployment.yaml "$DEPLOY"/k8s/service.yaml "$DEPLOY"/kserve/*.yaml; do
  step "kubectl parses ${manifest#"$ROOT"/}"
  if out=$(kubectl label --local -f "$manifest" tare.io/check=ok -o name 2>&1); then ok; else bad "$out"; fi
done
step "kubectl kustomize deploy/k8s"
if out=$(kubectl kustomize "$DEPLOY/k8s" 2>&1 >/dev/null); then ok; else bad "$out"; fi

step "promtool check rules"
if out=$(promtool check rules "$DEPLOY/prometheus/tare-rules.yml" 2>&1); then ok; else bad "$out"; fi
step "promtool test rules"
if out=$(cd "$DEPLOY/prometheus" && promtool test rules tare-rules.test.yml 2>&1); then ok; else bad "$out"; fi

step "promtool check config"
if out=$(promtool check config "$DEPLOY/prometheus/prometheus.yml" 2>&1); then
  ok
elif grep -q "field kubernetes_sd_configs not found" <<<"$out"; then
  # Debian builds promtool without Kubernetes service discovery; check the rest and say so.
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp "$DEPLOY/prometheus/tare-rules.yml" "$tmp/"
  python3 - "$DEPLOY/prometheus/prometheus.yml" "$tmp/prometheus.yml" <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
config["scrape_configs"] = [job for job in config["scrape_configs"] if "kubernetes_sd_configs" not in job]
yaml.safe_dump(config, open(sys.argv[2], "w"))
PY
  if out2=$(promtool check config "$tmp/prometheus.yml" 2>&1); then
    echo "ok (this promtool lacks kubernetes_sd_configs: the pod job is checked by the Java test only)"
  else
    bad "$out2"
  fi
else
  bad "$out"
fi

step "grafana dashboard is valid JSON"
if out=$(python3 -m json.tool "$DEPLOY/grafana/tare-dashboard.json" 2>&1 >/dev/null); then ok; else bad "$out"; fi

step "Java deploy tests (manifests, KServe CRD fields, Dockerfile)"
if out=$(cd "$ROOT" && mvn -B -q test -pl client -Dtare.build.dir="$BUILD_DIR" \
      -Dtest='io.tare.deploy.*Test' -Dsurefire.failIfNoSpecifiedTests=false 2>&1); then
  ok
else
  bad "$(grep -E 'Tests run|FAIL|ERROR\]' <<<"$out" | head -20)"
fi

if [ "$failures" -gt 0 ]; then
  echo "deploy check: $failures step(s) failed" >&2
  exit 1
fi
echo "deploy check: all passed (the Docker image was not built: no Docker engine; see the Dockerfile test)"
