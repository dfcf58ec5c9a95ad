#!/usr/bin/env bash
# Where the server's CPU goes per request at a fixed concurrency (issue 2, c=64): the server's CPU
# time per thread group over one `tare client perf` window, divided by the requests served in it.
# CPU time, unlike latency, hardly moves when other work shares the machine, so variants measured
# on a busy machine still compare. Usage: [BUILD=target] [C=64] [SECS=10] benchmarks/serving-cpu.sh LABEL=JVM_FLAGS ...
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/serving-common.sh"
BUILD="${BUILD:-target}"; C="${C:-64}"; SECS="${SECS:-10}"
GPORT=18301; HPORT=18300; MPORT=18302
TICK=$(getconf CLK_TCK)

# CPU ticks per thread group of process $1: instances, grpc loops, vertx loops, gc, jit, other
threads() {
  for t in /proc/$1/task/*; do
    name=$(cat "$t/comm" 2>/dev/null) || continue
    stat=$(sed 's/.*) //' "$t/stat" 2>/dev/null) || continue
    set -- $stat; printf '%s\t%s\t%s\n' "$name" "${12}" "${13}"   # utime stime (fields 14, 15)
  done | awk -F'\t' '{
    g="other"; n=$1
    if (n ~ /^tare-fmnist/) g="instance"; else if (n ~ /^tare-grpc/) g="grpc-loop";
    else if (n ~ /^vert.x-eventl/) g="vertx-loop"; else if (n ~ /^(GC|G1)/) g="gc";
    else if (n ~ /Compiler|^C1 |^C2 /) g="jit";
    s[g]+=$2+$3; if (g == "other" && ENVIRON["SHOW_OTHER"] != "") print "  " n, $2+$3 > "/dev/stderr" } END { for (g in s) print g, s[g] }' | sort
}
rows() { curl -s localhost:$MPORT/metrics | awk '/^tare_batch_size_sum/ {print $2}'; }
compute() { curl -s localhost:$MPORT/metrics | awk '/^tare_compute_duration_seconds_sum/ {print $2}'; }
perf() {
  "$JAVA" "${FLAGS[@]}" -cp "$CLIENT_CP" io.tare.client.cli.ClientMain perf --protocol "$1" --url "localhost:$2" \
    --model fmnist --input "input=$FM/test_x.f32:10000,1,28,28" --concurrency "$3" --warmup 0 --duration "$4" 2>/dev/null
}
echo "== $(date -u +%FT%H:%M:%S) c=$C ${SECS}s, load $(cut -d' ' -f1-3 /proc/loadavg)"
for variant in "$@"; do
  label="${variant%%=*}"; opts="${variant#*=}"
  bvar="BUILD_$label"; build="${!bvar:-$BUILD}"
  "$JAVA" "${FLAGS[@]}" $opts -cp "$ROOT/server/$build/classes:$ROOT/server/$build/lib/*" io.tare.server.cli.TareMain \
    serve --model-repository "$repo" --http-port $HPORT --grpc-port $GPORT --metrics-port $MPORT >"/tmp/serving-cpu-$label.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do curl -sf "localhost:$HPORT/v2/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  for proto in grpc http; do perf $proto $([ $proto = grpc ] && echo $GPORT || echo $HPORT) "$C" "${WARM:-10}" >/dev/null; done
  for proto in grpc http; do
    r0=$(rows); c0=$(compute); threads $server_pid > /tmp/cpu0
    out=$(perf $proto $([ $proto = grpc ] && echo $GPORT || echo $HPORT) "$C" "$SECS" | grep "concurrency")
    r1=$(rows); c1=$(compute); threads $server_pid > /tmp/cpu1
    n=$(awk -v a="$r0" -v b="$r1" 'BEGIN { printf "%d", b - a }')
    breakdown=$(join /tmp/cpu0 /tmp/cpu1 | awk -v n="$n" -v t="$TICK" '{ d=($3-$2)/t*1e6/n; tot+=d; printf "%s=%.0f ", $1, d } END { printf "| total=%.0f", tot }')
    printf '%-8s %-5s %s | rows=%d compute=%.0f us/row | server CPU us/request: %s\n' "$label" "$proto" \
      "$(echo "$out" | awk '{print "infer/s=" $5 " p50=" $7}')" "$n" "$(echo "($c1 - $c0) * 1000000 / $n" | bc -l)" "$breakdown"
  done
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
done
echo "== done: load $(cut -d' ' -f1-3 /proc/loadavg)"
