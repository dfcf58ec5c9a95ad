#!/usr/bin/env bash
# Serving benchmark (issue 2): `tare client perf` on the Fashion-MNIST CNN over gRPC and HTTP at
# concurrency 1, 8 and 64, beside the in-process ONNX Runtime baseline of the same model measured in
# the same run, and the resident memory of a server holding both bundled example models.
# Usage: [CPUS=0,1] [TARE_JAVA_OPTS=...] benchmarks/serving.sh [OUT_DIR] [SECONDS_PER_LEVEL]
#   CPUS            confine the baseline, the server and the client to these CPUs (taskset), e.g. to
#                   reproduce a 2-vCPU box on a bigger quiet host
#   TARE_JAVA_OPTS  extra JVM flags for every process, e.g. -Dtare.scheduler.idleSpinMicros=0
#                   -Dtare.grpc.eventLoopSpinMicros=0 to measure without the hand-off spins
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="$ROOT/../shared/fixtures/fmnist"
OUT="${1:-$ROOT/benchmarks/results/serving-$(date +%Y%m%d-%H%M)}"
SECS="${2:-5}"
mkdir -p "$OUT"
"$ROOT/tare" help >/dev/null 2>&1 || true   # builds if stale
TARE=("$ROOT/tare")
[ -n "${CPUS:-}" ] && TARE=(taskset -c "$CPUS" "$ROOT/tare")

repo="$(mktemp -d)"
trap 'kill ${server_pid:-} 2>/dev/null || true; rm -rf "$repo"' EXIT
mkdir -p "$repo/fmnist/1"
cp "$SHARED/cnn/fmnist_rescnn_fp32.onnx" "$repo/fmnist/1/model.onnx"
cat > "$repo/fmnist/config.pbtxt" <<'CFG'
max_batch_size: 64
dynamic_batching { max_queue_delay_microseconds: 0 }
CFG

wait_ready() {
  for _ in $(seq 1 120); do
    curl -sf "localhost:$1/v2/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "server on $1 never became ready" >&2; exit 1
}

echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) CPUs${CPUS:+, confined to $CPUS}; load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/machine.txt"

echo "== in-process ONNX Runtime baseline"
"${TARE[@]}" bench ort --model "$repo/fmnist/1/model.onnx" --data "$SHARED/test_x.f32" --batch 1,64 --threads 2 \
  --seconds "$SECS" --json 2>/dev/null | tee "$OUT/ort-inprocess.json"

"${TARE[@]}" serve --model-repository "$repo" --http-port 18000 --grpc-port 18001 --metrics-port 18002 >"$OUT/server.log" 2>&1 &
server_pid=$!
wait_ready 18000
# Both JVMs (server and perf) need tens of thousands of requests before the JIT has compiled the
# request path; measuring before that reports milliseconds of interpreter time, not serving cost.
for protocol in grpc http; do
  port=$([ "$protocol" = grpc ] && echo 18001 || echo 18000)
  "${TARE[@]}" client perf --protocol "$protocol" --url "localhost:$port" --model fmnist \
    --input "input=$SHARED/test_x.f32:10000,1,28,28" --concurrency 1,8 --warmup 0 --duration 10 >/dev/null 2>&1
done
for protocol in grpc http; do
  port=$([ "$protocol" = grpc ] && echo 18001 || echo 18000)
  echo "== perf over $protocol"
  "${TARE[@]}" client perf --protocol "$protocol" --url "localhost:$port" --model fmnist \
    --input "input=$SHARED/test_x.f32:10000,1,28,28" --concurrency 1,8,64 --warmup 2 --duration "$SECS" \
    --csv "$OUT/perf-$protocol.csv" 2>/dev/null | tee "$OUT/perf-$protocol.txt"
done
echo "== server-side view (all levels together): mean batch rows, queue and compute time per request"
curl -s localhost:18002/metrics | grep -E '^tare_(batch_size|queue_duration_seconds|compute_duration_seconds)_(sum|count)' \
  | tee "$OUT/server-metrics.txt"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true

echo "== resident memory, bundled repository (digits FP32 + digits QDQ INT8)"
"${TARE[@]}" serve --http-port 18000 --grpc-port 18001 --metrics-port 18002 >"$OUT/server-bundled.log" 2>&1 &
server_pid=$!
wait_ready 18000
for model in digits digits_qdq; do
  "${TARE[@]}" client perf --url localhost:18001 --model "$model" --input "input=$ROOT/../shared/fixtures/digits/test_x.f32:360,1,8,8" \
    --concurrency 8 --warmup 1 --duration 2 >/dev/null 2>&1
done
java_pid="$server_pid"   # ./tare execs java, so this is the JVM
grep -E 'VmRSS|VmHWM' "/proc/$java_pid/status" | tee "$OUT/rss.txt"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
echo "== results in $OUT"
