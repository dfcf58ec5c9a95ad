#!/usr/bin/env bash
# Live calibration's serving cost (issue 6) from prebuilt jars, the server and the load generator in
# separate JVMs on disjoint CPUs. One server holds the Fashion-MNIST ResCNN four times on the tare
# backend (max_batch_size 16, one instance per server CPU):
#   off   torch's offline-calibrated INT8 file (hist_pc), calibration off: no taps, no sampler;
#   on    the same file, calibration at its defaults (manual policy, cost-budgeted sampling);
#   auto  the same file under the auto policy (it refreshes the file's scales when their clip rate
#         passes 1%, which torch's histogram calibration does on purpose, then watches the swap);
#   cold  the FP32 file under the online policy, served dynamic INT8 until its cold start promotes
#         it (first step below: the test images are sent until the metrics show scale version 1).
# Then `tare client perf` (gRPC, batch 1) drives each model in turn at each concurrency, ROUNDS times,
# every other round in reverse order (so that drifting machine noise and a place in the sequence hit
# all alike), after a JIT warm-up of every model. Prints a
# table of throughput, p50 and p99 per run and the models' sampling accounts from /metrics.
#
#   JAVA=/path/to/jdk-25/bin/java SERVER_LIB=dir/with/jars FIXTURES=../shared/fixtures \
#     SERVER_CPUS=0,1 CLIENT_CPUS=2-7 benchmarks/calibration-overhead.sh /tmp/calibration-overhead
#
# Knobs: SECS measured seconds per run (8), ROUNDS (3), CONCURRENCY ("64 4"), WARM_S per model (8),
# MODELS (default "off on auto cold"; a trailing digit adds a twin, e.g. "off on off2 on2": the
# ratios are against the model named off, so the twins show the spread between identical models),
# PORT_BASE (18700: HTTP; gRPC +1, metrics +2), CLIENT_LIB (default SERVER_LIB).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER_LIB="${SERVER_LIB:?set SERVER_LIB to a folder with the server jars}"
CLIENT_LIB="${CLIENT_LIB:-$SERVER_LIB}"
FIXTURES="${FIXTURES:-$ROOT/../shared/fixtures}"
JAVA="${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}"; JAVA="${JAVA:-java}"
SECS="${SECS:-8}"; ROUNDS="${ROUNDS:-3}"; CONCURRENCY="${CONCURRENCY:-64 4}"; WARM_S="${WARM_S:-8}"
PORT_BASE="${PORT_BASE:-18700}"; HPORT=$PORT_BASE; GPORT=$((PORT_BASE + 1)); MPORT=$((PORT_BASE + 2))
OUT="${1:-$ROOT/benchmarks/results/calibration-overhead-$(date -u +%Y%m%d-%H%M)}"
IMAGES_FILE="$FIXTURES/fmnist/test_x.f32"
IMAGES=$(( $(stat -L -c %s "$IMAGES_FILE") / (28 * 28 * 4) ))
mkdir -p "$OUT"

FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
SERVER=("$JAVA" "${FLAGS[@]}" -cp "$SERVER_LIB/*" io.tare.server.cli.TareMain)
[ -n "${SERVER_CPUS:-}" ] && SERVER=(taskset -c "$SERVER_CPUS" "${SERVER[@]}")
CLIENT=("$JAVA" "${FLAGS[@]}" -cp "$CLIENT_LIB/*" io.tare.client.cli.ClientMain)
[ -n "${CLIENT_CPUS:-}" ] && CLIENT=(taskset -c "$CLIENT_CPUS" "${CLIENT[@]}")
source "$ROOT/benchmarks/http-get.sh"
metric() { http_get $MPORT /metrics | grep -E "^$1\{.*model=\"$2\"" | grep -E "${3:-.}" | head -1 | awk '{print $NF}'; }

repo="$OUT/repo"; rm -rf "$repo"
model() { # name file parameters...
  local name=$1 file=$2; shift 2
  mkdir -p "$repo/$name/1"; cp "$FIXTURES/fmnist/cnn/$file" "$repo/$name/1/model.onnx"
  { printf 'name: "%s"\nbackend: "tare"\nmax_batch_size: 16\n' "$name"
    while [ $# -gt 0 ]; do printf 'parameters { key: "%s" value { string_value: "%s" } }\n' "$1" "$2"; shift 2; done
  } > "$repo/$name/config.pbtxt"
}
MODELS="${MODELS:-off on auto cold}"
for m in $MODELS; do
  case $m in # a trailing digit makes a twin (same file and settings, its own instances and sampler)
    off*) model $m fmnist_rescnn_int8_hist_pc.onnx calibration off ;;
    on*) model $m fmnist_rescnn_int8_hist_pc.onnx ;;
    auto*) model $m fmnist_rescnn_int8_hist_pc.onnx calibration_policy auto ;;
    cold*) model $m fmnist_rescnn_fp32.onnx mode dynamic calibration_policy online ;;
    *) echo "unknown model kind: $m (off, on, auto, cold, each with an optional digit)"; exit 1 ;;
  esac
done

{ date -u; grep -m1 'model name' /proc/cpuinfo; echo "server CPUs ${SERVER_CPUS:-all}, client CPUs ${CLIENT_CPUS:-all}"
  echo "per run: 2 s warm-up + $SECS s measured, batch 1, gRPC, $IMAGES test images cycled"; } | tee "$OUT/machine.txt"
"${SERVER[@]}" serve --model-repository "$repo" --http-port $HPORT --grpc-port $GPORT --metrics-port $MPORT \
  >"$OUT/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  grep -q 'server ready' "$OUT/server.log" && break
  kill -0 $server_pid 2>/dev/null || { echo "server exited; see $OUT/server.log"; exit 1; }
  sleep 0.25
done
perf() { # model concurrency warmup duration
  "${CLIENT[@]}" perf --url "localhost:$GPORT" --model "$1" --input "input=$IMAGES_FILE:$IMAGES,1,28,28" \
    --concurrency "$2" --warmup "$3" --duration "$4" --json 2>/dev/null
}
for cold in $(echo "$MODELS" | tr ' ' '\n' | grep '^cold'); do
  start=$(date +%s)
  for i in $(seq 1 24); do
    perf $cold 4 0 5 >/dev/null
    v=$(metric tare_calibration_scale_version $cold)
    [ "${v%.*}" -ge 1 ] 2>/dev/null && break
  done
  echo "$cold: scale version ${v:-?} after $(( $(date +%s) - start )) s of traffic at c=4" | tee -a "$OUT/machine.txt"
done
for m in $MODELS; do perf $m 64 0 "$WARM_S" >/dev/null; done
REVERSED=$(echo "$MODELS" | tr ' ' '\n' | tac | tr '\n' ' ')
# the server's CPU time (all its threads, user + system) in clock ticks
server_ticks() { awk '{print $14 + $15}' /proc/$server_pid/stat; }
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
printf '%-5s %-4s %-5s %10s %9s %9s %12s\n' round c model 'req/s' 'p50 us' 'p99 us' 'CPU us/req' | tee "$OUT/table.txt"
for r in $(seq 1 "$ROUNDS"); do
  for c in $CONCURRENCY; do
    # odd rounds in the given order, even rounds reversed: a model's place in the sequence must not pass for its cost
    for m in $([ $((r % 2)) = 1 ] && echo "$MODELS" || echo "$REVERSED"); do
      # CPU per request counts the perf client's 2 s warm-up requests too (not in its JSON): both
      # ticks and requests are taken over the whole call, from the server's own request counter
      t0=$(server_ticks); n0=$(metric tare_requests_total "$m" 'outcome="success"'); n0=${n0%.*}
      perf $m $c 2 "$SECS" > "$OUT/r$r-c$c-$m.json"
      t1=$(server_ticks); n1=$(metric tare_requests_total "$m" 'outcome="success"'); n1=${n1%.*}
      cpu=$(awk -v t=$((t1 - t0)) -v n="${n1:-0}" -v m="${n0:-0}" -v u=$TICK_US 'BEGIN {print (n > m ? t * u / (n - m) : 0)}')
      tr -d ' \n' < "$OUT/r$r-c$c-$m.json" | sed -E 's/.*"requests_per_s":([0-9.]+).*"p50_us":([0-9.]+).*"p99_us":([0-9.]+).*/\1 \2 \3/' \
        | awk -v r=$r -v c=$c -v m=$m -v cpu="$cpu" '{printf "%-5s %-4s %-5s %10.0f %9.0f %9.0f %12.0f\n", r, c, m, $1, $2, $3, cpu}' \
        | tee -a "$OUT/table.txt"
    done
  done
done
echo "== per model and concurrency, summed over rounds: throughput relative to off"
awk 'NR > 1 {t[$2" "$3] += $4} END {for (k in t) {split(k, a, " "); if (a[2] != "off") printf "c=%s %-5s %.3f\n", a[1], a[2], t[k] / t[a[1]" off"]}}' \
  "$OUT/table.txt" | sort | tee "$OUT/ratios.txt"
echo "== server CPU per request relative to off (summed over rounds)"
awk 'NR > 1 {t[$2" "$3] += $7} END {for (k in t) {split(k, a, " "); if (a[2] != "off") printf "c=%s %-5s %.3f\n", a[1], a[2], t[k] / t[a[1]" off"]}}' \
  "$OUT/table.txt" | sort | tee -a "$OUT/ratios.txt"
echo "== sampling accounts (/metrics)"
http_get $MPORT /metrics | grep -E '^tare_calibration_(scale_version|sampling_cost|samples_total|refreshes_total)' \
  | tee "$OUT/metrics.txt"
