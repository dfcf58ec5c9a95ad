#!/usr/bin/env bash
# Serving cost per request with the server and the client on separate CPUs (issue 2's judged setup,
# scaled to a small machine): per server variant, `tare client perf` over gRPC and HTTP at c=1 and
# c=64, and for each window the server's CPU time per request by thread group (from
# /proc/<pid>/task/*/schedstat, nanoseconds on CPU), the client's CPU per request, the batches the
# scheduler ran (/metrics: executions, rows, the batch-size histogram), latency and throughput; the
# in-process ONNX Runtime baseline (batch 1 and 64, one caller per server CPU) on the server's CPUs
# before every variant. CPU time per request moves far less than latency when other work shares the
# machine (at load 7-10 on two vCPUs: +-20% between identical runs, latency 2-5x), so compare
# variants by it, alternately (A B A B), and repeat.
#
# Usage: SERVER_CPUS=0 CLIENT_CPUS=1 [SECS=8] [WARM=20] [LEVELS="1 64"] [PROTOCOLS="grpc http"] \
#          benchmarks/serving-split.sh LABEL=SERVER_JVM_FLAGS ...
#   BUILD_<LABEL>  that variant's build folder (tare.build.dir), e.g. BUILD_before=target-base, or
#                  TREE:FOLDER for another source tree's build (TREE/server/FOLDER), e.g. a `git archive`
#                  of the base commit: BUILD_before=/tmp/base:target-base
#   BUILD          the default build folder, and the perf client's (default target)
#   BASELINE=0     skips the in-process baseline
# The JIT: on two shared vCPUs at load 7-10, C2 was still compiling the request path after 100 s
# (the jit column: compiler CPU per request, excluded from the total's comparison); warm long (WARM).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/serving-common.sh"
SECS="${SECS:-8}"; WARM="${WARM:-20}"; LEVELS="${LEVELS:-1 64}"; PROTOCOLS="${PROTOCOLS:-grpc http}"
GPORT=18401; HPORT=18400; MPORT=18402
tmp="$(mktemp -d)"
trap 'kill ${server_pid:-} 2>/dev/null || true; rm -rf "$repo" "$tmp"' EXIT
[ -n "${SERVER_CPUS:-}" ] && [ -n "${CLIENT_CPUS:-}" ] || { echo "set SERVER_CPUS and CLIENT_CPUS" >&2; exit 1; }
server_cpu_count=$(taskset -c "$SERVER_CPUS" nproc)
CLIENT_CP="$ROOT/client/$BUILD/classes:$ROOT/client/$BUILD/lib/*"

# Nanoseconds on CPU per thread group of process $1 (schedstat's first field), "group ns" lines.
cpu_ns() {
  for t in /proc/$1/task/*; do
    printf '%s\t%s\n' "$(cat "$t/comm" 2>/dev/null)" "$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null)"
  done | awk -F'\t' '$2 != "" {
    n = $1; g = "other"
    if (n ~ /^tare-fmnist/) g = "instance"; else if (n ~ /^(tare-grpc|vert\.x-eventlo|grpc-default-w)/) g = "loop";
    else if (n ~ /^(GC|G1)/) g = "gc"; else if (n ~ /Compiler|^C1 |^C2 /) g = "jit";
    s[g] += $2 } END { for (g in s) print g, s[g] }' | sort
}
metric() { curl -s "localhost:$MPORT/metrics" | awk -v m="$1" '$1 ~ "^" m "({|$)" { s += $2 } END { printf "%.6f", s }'; }
batches_hist() { # bucket counts of the batch-size histogram, "le=count" pairs
  curl -s "localhost:$MPORT/metrics" | awk '/^tare_batch_size_bucket/ { match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); printf "%s=%d ", le, $2 }'
}
baseline() {
  taskset -c "$SERVER_CPUS" "$JAVA" "${FLAGS[@]}" -cp "$1" io.tare.server.cli.TareMain bench ort \
    --model "$repo/fmnist/1/model.onnx" --data "$FM/test_x.f32" --batch 1,64 --threads "$server_cpu_count" \
    --seconds "${BASE_SECS:-4}" 2>/dev/null | grep ort-inprocess \
    | sed -E 's|.*"batch":([0-9]+),"threads":([0-9]+),"throughput":([0-9.]+),"p50_us":([0-9.]+).*|  in-process batch \1 x \2: \3 img/s, p50 \4 us|' || true
}
perf() { # protocol port concurrency warmup seconds
  taskset -c "$CLIENT_CPUS" "$JAVA" "${FLAGS[@]}" -cp "$CLIENT_CP" io.tare.client.cli.ClientMain perf --protocol "$1" \
    --url "localhost:$2" --model fmnist --input "input=$FM/test_x.f32:10000,1,28,28" --concurrency "$3" \
    --warmup "$4" --duration "$5" 2>/dev/null
}

echo "== $(date -u +%FT%H:%M:%S) $(nproc) CPUs, server CPUs $SERVER_CPUS, client CPUs $CLIENT_CPUS, load $(cut -d' ' -f1-3 /proc/loadavg)"
for variant in "$@"; do
  label="${variant%%=*}"; opts="${variant#*=}"
  bvar="BUILD_$label"; build="${!bvar:-$BUILD}"
  if [[ "$build" == */* ]]; then tree="${build%%:*}"; build="${build#*:}"; else tree="$ROOT"; fi
  cp="$tree/server/$build/classes:$tree/server/$build/lib/*"
  echo "-- $label ($tree/server/$build; ${opts:-no flags}) load $(cut -d' ' -f1-3 /proc/loadavg)"
  [ "${BASELINE:-1}" = 1 ] && baseline "$cp"
  taskset -c "$SERVER_CPUS" "$JAVA" "${FLAGS[@]}" $opts -cp "$cp" io.tare.server.cli.TareMain serve \
    --model-repository "$repo" --http-port $HPORT --grpc-port $GPORT --metrics-port $MPORT >"/tmp/serving-split-$label.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do curl -sf "localhost:$HPORT/v2/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  for proto in $PROTOCOLS; do
    port=$([ "$proto" = grpc ] && echo $GPORT || echo $HPORT)
    perf "$proto" "$port" 64,1 0 "$(( (WARM + 1) / 2 ))" >/dev/null   # JIT warm-up of both JVMs' paths
    for c in $LEVELS; do
      e0=$(metric tare_batch_size_count); r0=$(metric tare_batch_size_sum); k0=$(metric tare_compute_duration_seconds_sum)
      cpu_ns $server_pid > $tmp/cpu0
      t0=$(date +%s%N)
      # the client's own CPU: its JVM's total, warm-up level included, so only roughly per request
      out=$(/usr/bin/time -o $tmp/client-time -f 'client-cpu %U %S' taskset -c "$CLIENT_CPUS" "$JAVA" "${FLAGS[@]}" \
        -cp "$CLIENT_CP" io.tare.client.cli.ClientMain perf --protocol "$proto" --url "localhost:$port" --model fmnist \
        --input "input=$FM/test_x.f32:10000,1,28,28" --concurrency "$c" --warmup 2 --duration "$SECS" 2>/dev/null)
      t1=$(date +%s%N)
      e1=$(metric tare_batch_size_count); r1=$(metric tare_batch_size_sum); k1=$(metric tare_compute_duration_seconds_sum)
      cpu_ns $server_pid > $tmp/cpu1
      n=$(awk -v a="$r0" -v b="$r1" 'BEGIN { printf "%d", b - a }'); ex=$(awk -v a="$e0" -v b="$e1" 'BEGIN { printf "%d", b - a }')
      compute=$(awk -v a="$k0" -v b="$k1" -v n="$n" 'BEGIN { printf "%.0f", n ? (b - a) * 1e6 / n : 0 }')
      line=$(echo "$out" | grep '^concurrency')
      ccpu=$(awk '/^client-cpu/ { printf "%.0f", ($2 + $3) * 1e6 }' $tmp/client-time)
      split=$(join -a2 -e0 -o 0,1.2,2.2 $tmp/cpu0 $tmp/cpu1 \
        | awk -v n="$n" '{ d = ($3 - $2) / 1e3 / n; tot += d; printf "%s %.1f, ", $1, d } END { printf "total %.1f", tot }')
      printf '  %-4s c=%-2s infer/s %s p50 %s p99 %s | rows %d in %d batches (%.1f/batch), compute (wall) %s us/row | server CPU us/request: %s | client CPU ~%.0f us/request (whole JVM) | load %s\n' \
        "$proto" "$c" "$(echo "$line" | awk '{print $5}')" "$(echo "$line" | awk '{print $7}')" "$(echo "$line" | awk '{print $10}')" \
        "$n" "$ex" "$(echo "$n $ex" | awk '{ print $2 ? $1 / $2 : 0 }')" "$compute" "$split" \
        "$(echo "$ccpu $n" | awk '{ print $2 ? $1 / $2 : 0 }')" "$(cut -d' ' -f1 /proc/loadavg)"
    done
  done
  echo "  batch-size histogram (all windows, warm-up included): $(batches_hist)"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
done
echo "== done $(date -u +%H:%M:%S): load $(cut -d' ' -f1-3 /proc/loadavg)"
