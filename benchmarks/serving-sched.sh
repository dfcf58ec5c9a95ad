#!/usr/bin/env bash
# Where a concurrency-1 request's time goes in the server, from the kernel's scheduler (issue 2):
# a plain blocking gRPC loop (ServingLatency.java) against each server variant in turn, and during
# it `perf sched record` for TRACE_S seconds. Per variant it prints the loop's latency, and per
# request (a request = one wake-up of a model instance thread): how often the server's event loop
# had to be woken, and for each thread group (the server's instances, event loop, JIT and other
# threads, the client and its JIT, other processes) the CPU time and the mean delay from wake-up
# to running. CPU time and wake-up counts hardly
# move when other work shares the machine; latency does.
# Usage: [BUILD=target] [PROTOCOL=grpc|http] [WARM=25] [SECS=6] [TRACE_S=3] benchmarks/serving-sched.sh LABEL=SERVER_JVM_FLAGS ...
#   BUILD_<LABEL>  the build folder of that variant (e.g. BUILD_before=target-before)
# Needs root (or perf_event_paranoid <= 0) for the sched tracepoints.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/serving-common.sh"
WARM="${WARM:-25}"; SECS="${SECS:-6}"; TRACE_S="${TRACE_S:-3}"
GPORT=18501; HPORT=18500; MPORT=18502
trace="$(mktemp)"
trap 'kill ${server_pid:-} 2>/dev/null || true; rm -rf "$repo" "$trace"' EXIT

summarize() { # trace server_pid client_pid
  perf sched timehist -w -i "$1" 2>/dev/null | awk -v server="$2" -v client="$3" '
    /awakened: tare-fmnist/ { requests++ }
    /awakened: (tare-grpc|vert\.x-eventlo)/ { loopWakes++ }
    NR > 3 && !/awakened/ {
      line = $0; sub(/^ *[0-9.]+ +\[[0-9]+\] +/, "", line)
      n = split(line, f, " "); name = substr(line, 1, index(line, "[") - 1)
      id = line; sub(/^[^[]*\[/, "", id); sub(/\].*/, "", id); split(id, ids, "/"); pid = ids[2]
      if (pid == server) {
        g = name ~ /^tare-fmnist/ ? "server instances" : name ~ /^(tare-grpc|vert\.x-eventlo)/ ? "server event loop" \
          : name ~ /CompilerThre/ ? "server JIT" : "server other"
      } else if (pid == client) {
        g = name ~ /CompilerThre/ ? "client JIT" : "client"
      } else {
        g = name == "" ? "" : "other processes"
      }
      if (g != "") { count[g]++; run[g] += f[n]; delay[g] += f[n - 1] }
    }
    END {
      if (requests == 0) { print "  no instance wake-ups traced"; exit }
      printf "  requests %d, server event-loop wake-ups per request %.2f\n", requests, loopWakes / requests
      for (g in count) printf "  %-18s CPU %7.1f us/request, mean wake-up-to-run %6.1f us\n", g, 1000 * run[g] / requests, 1000 * delay[g] / count[g]
    }'
}

echo "== $(date -u +%FT%H:%M:%S) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for variant in "$@"; do
  label="${variant%%=*}"; opts="${variant#*=}"
  bvar="BUILD_$label"; build="${!bvar:-$BUILD}"
  cp="$ROOT/client/$build/classes:$ROOT/server/$build/classes:$ROOT/server/$build/lib/*"
  echo "-- $label ($build; ${opts:-no flags}) load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$JAVA" "${FLAGS[@]}" $opts -cp "$cp" io.tare.server.cli.TareMain serve --model-repository "$repo" \
    --http-port $HPORT --grpc-port $GPORT --metrics-port $MPORT >"/tmp/serving-sched-$label.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do curl -sf "localhost:$HPORT/v2/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  port=$([ "${PROTOCOL:-grpc}" = grpc ] && echo $GPORT || echo $HPORT)
  "$JAVA" "${FLAGS[@]}" -cp "$cp" "$ROOT/benchmarks/ServingLatency.java" "${PROTOCOL:-grpc}" "localhost:$port" fmnist "$FM/test_x.f32" \
    "$WARM" "$SECS" 2>/dev/null &
  client_pid=$!
  sleep $((WARM + 2))   # JVM start and the warm-up, then trace inside the measured window
  perf sched record -o "$trace" -- sleep "$TRACE_S" >/dev/null 2>&1
  wait "$client_pid"
  summarize "$trace" "$server_pid" "$client_pid" | sort
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
done
echo "== done: load $(cut -d' ' -f1-3 /proc/loadavg)"
