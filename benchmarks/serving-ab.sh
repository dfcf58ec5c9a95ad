#!/usr/bin/env bash
# Before/after for issue 2's serving benchmark in ONE run: `tare client perf` on the Fashion-MNIST CNN
# over gRPC and HTTP at the given concurrency levels, against each server variant in turn, with the
# in-process ONNX Runtime baseline (`tare bench ort`) at the start and at the end.
# Usage: [BUILD=target] [LEVELS=1,8,64] benchmarks/serving-ab.sh SECONDS LABEL=JVM_FLAGS ...
#   BUILD_<LABEL>  the build folder (tare.build.dir) for that variant, e.g. BUILD_before=target-before;
#                  the perf client always runs from $BUILD
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/serving-common.sh"
BUILD="${BUILD:-target}"; LEVELS="${LEVELS:-1,8,64}"
SECS="$1"; shift
GPORT=18201; HPORT=18200; MPORT=18202

SERVER_CP="$ROOT/server/$BUILD/classes:$ROOT/server/$BUILD/lib/*"

baseline() {
  "$JAVA" "${FLAGS[@]}" -cp "$SERVER_CP" io.tare.server.cli.TareMain bench ort --model "$repo/fmnist/1/model.onnx" \
    --data "$FM/test_x.f32" --batch 1,64 --threads 2 --seconds "$SECS" 2>/dev/null | grep ort-inprocess \
    | sed -E 's|.*"batch":([0-9]+),"threads":([0-9]+),"throughput":([0-9.]+),"p50_us":([0-9.]+).*|ort batch \1 x \2 threads: \3 img/s, p50 \4 us|' || true
}
perf() { # protocol port levels warmup seconds [csv]
  "$JAVA" "${FLAGS[@]}" -cp "$CLIENT_CP" io.tare.client.cli.ClientMain perf --protocol "$1" --url "localhost:$2" \
    --model fmnist --input "input=$FM/test_x.f32:10000,1,28,28" --concurrency "$3" --warmup "$4" --duration "$5" 2>/dev/null
}
echo "== $(date -u +%FT%H:%M:%S) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
baseline
for variant in "$@"; do
  label="${variant%%=*}"; opts="${variant#*=}"
  bvar="BUILD_$label"; build="${!bvar:-$BUILD}"
  echo "-- $label ($build; ${opts:-no flags}) load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$JAVA" "${FLAGS[@]}" $opts -cp "$ROOT/server/$build/classes:$ROOT/server/$build/lib/*" io.tare.server.cli.TareMain \
    serve --model-repository "$repo" --http-port $HPORT --grpc-port $GPORT --metrics-port $MPORT >"/tmp/serving-ab-$label.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do curl -sf "localhost:$HPORT/v2/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  # JIT: both JVMs need tens of thousands of requests on every path (batching included) before measuring
  for proto in grpc http; do perf $proto $([ $proto = grpc ] && echo $GPORT || echo $HPORT) 1,8,64 0 "${WARM:-10}" >/dev/null; done
  for proto in grpc http; do
    perf $proto $([ $proto = grpc ] && echo $GPORT || echo $HPORT) "$LEVELS" 2 "$SECS" | sed "s/^/$proto /"
  done
  curl -s localhost:$MPORT/metrics | grep -E '^tare_(batch_size|queue_duration_seconds|compute_duration_seconds)_(sum|count)' \
    | awk '{v[$1]=$2} END {for (k in v) print k, v[k]}' | sort | sed 's/{.*}//' | tr '\n' ' '; echo
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
done
baseline
echo "== done: load $(cut -d' ' -f1-3 /proc/loadavg)"
