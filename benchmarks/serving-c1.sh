#!/usr/bin/env bash
# Concurrency-1 breakdown (issue 2): in-process ONNX Runtime vs a plain blocking client loop over gRPC
# and HTTP against `tare serve` on the Fashion-MNIST CNN, one JVM each, all in one run.
# Usage: [BUILD=target] benchmarks/serving-c1.sh WARMUP_S MEASURE_S [LABEL=SERVER_JVM_FLAGS ...]
#   BUILD    the Maven build folder to run from (tare.build.dir; default target); BUILD_<LABEL>
#            overrides it for one variant (e.g. BUILD_before=target-before)
#   LABEL=.. one server variant each, measured in turn in the same run (default: one, "run", no flags),
#            e.g. spins=  nospin="-Dtare.scheduler.idleSpinMicros=0 -Dtare.grpc.eventLoopSpinMicros=0";
#            serve flags follow the JVM flags from the first "--", e.g. unpinned="--pin-threads false";
#            the label "floor" runs a bare grpc-java server computing on its event loop instead (gRPC only)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/serving-common.sh"
WARM="${1:-30}"; SECS="${2:-10}"; shift 2 || true
VARIANTS=("$@"); [ ${#VARIANTS[@]} -eq 0 ] && VARIANTS=("run=")
CP="$ROOT/client/$BUILD/classes:$ROOT/server/$BUILD/classes:$ROOT/server/$BUILD/lib/*"
GPORT=${GPORT:-18101}; HPORT=${HPORT:-18100}; MPORT=${MPORT:-18102}


ort() {
  "$JAVA" "${FLAGS[@]}" -cp "$CP" "$ROOT/benchmarks/ServingLatency.java" ort "$repo/fmnist/1/model.onnx" "$FM/test_x.f32" "$WARM" "$SECS" 2>/dev/null
}
echo "== $(date -u +%FT%H:%M:%S) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
ort
for variant in "${VARIANTS[@]}"; do
  label="${variant%%=*}"; opts="${variant#*=}"; serve_args=""
  if [[ "$opts" == *"--"* ]]; then serve_args="--${opts#*--}"; opts="${opts%%--*}"; fi
  bvar="BUILD_$label"; build="${!bvar:-$BUILD}"
  cp="$ROOT/client/$build/classes:$ROOT/server/$build/classes:$ROOT/server/$build/lib/*"
  echo "-- $label ($build; ${opts:-no flags}) load $(cut -d' ' -f1-3 /proc/loadavg)"
  protocols="${PROTOCOLS:-grpc http}"
  if [ "$label" = floor ]; then   # a bare grpc-java server computing on its event loop: the floor
    "$JAVA" "${FLAGS[@]}" $opts -cp "$cp" "$ROOT/benchmarks/ServingLatency.java" floor $GPORT "$repo/fmnist/1/model.onnx" \
      >"/tmp/serving-c1-$label.log" 2>&1 &
    server_pid=$!; protocols=grpc; sleep 4
  else
    "$JAVA" "${FLAGS[@]}" $opts -cp "$cp" io.tare.server.cli.TareMain serve --model-repository "$repo" \
      --http-port $HPORT --grpc-port $GPORT --metrics-port $MPORT $serve_args >"/tmp/serving-c1-$label.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 120); do curl -sf "localhost:$HPORT/v2/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  for proto in $protocols; do
    port=$([ $proto = grpc ] && echo $GPORT || echo $HPORT)
    "$JAVA" "${FLAGS[@]}" -cp "$CP" "$ROOT/benchmarks/ServingLatency.java" $proto "localhost:$port" fmnist "$FM/test_x.f32" "$WARM" "$SECS" 2>/dev/null
  done
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
done
ort
echo "== done: load $(cut -d' ' -f1-3 /proc/loadavg)"
