#!/usr/bin/env bash
# Serving benchmark (issue 2) from prebuilt jars: no Maven, no network, no ./tare build step. One run:
#  1. the in-process ONNX Runtime baseline (`tare bench ort`: the server's own backend code without a
#     server; batch 1 and 64, 1 caller and one per server CPU, pinned), confined to SERVER_CPUS;
#  2. `tare serve` on the Fashion-MNIST ResCNN FP32 (max_batch_size 64, dynamic batching without queue
#     delay, one instance per server CPU), confined to SERVER_CPUS, driven by `tare client perf` over
#     gRPC and then HTTP at concurrency 1, 8 and 64, confined to CLIENT_CPUS. The JIT needs tens of
#     thousands of requests on each path (on two shared vCPUs the server's C2 was still busy 45 s in),
#     so per protocol a first perf JVM loads the server for WARM_S (c=64, then c=1), and the measuring
#     perf JVM runs one unreported level (c=8) before c=1, 8 and 64 to compile its own side;
#  3. the resident memory of a server holding the two bundled digits models (RSS=0 skips it);
#  4. the two targets: c=1 p50 minus in-process batch-1 p50 (<= 150 us), and c=64 throughput over
#     in-process batched throughput (>= 80%).
#
# Exact invocation on a 16-core machine (server and baseline on CPUs 0-1, client on 2-7, ~4 minutes):
#   on the build machine, once (from the repository root):
#     mvn -B -o -Dtare.build.dir=target-serve -pl server -am package -DskipTests
#     BUILD=target-serve benchmarks/serving-pack.sh        # -> benchmarks/target-pack (~60 MB, git-ignored)
#   on the 16-core machine, from the repository root (needs benchmarks/ and benchmarks/target-pack only):
#     JAVA=/path/to/jdk-25/bin/java SERVER_CPUS=0,1 CLIENT_CPUS=2-7 TOTAL_S=220 benchmarks/serving-standalone.sh /tmp/serving
#
# Knobs (environment):
#   JAVA         a java 25+ binary (default: $JAVA_HOME/bin/java, else `java` on PATH)
#   PACK         the folder serving-pack.sh made (default benchmarks/target-pack)
#   SERVER_LIB   folder of jars for the server and the baseline (default $PACK/lib)
#   CLIENT_LIB   folder of jars for the perf client (default SERVER_LIB: the server's jars include the client's)
#   DATA         folder with model.onnx and test_x.f32 (28x28 FP32 images) (default $PACK/fmnist)
#   DIGITS       folder with models/ and test_x.f32 for the memory step (default $PACK/digits)
#   SERVER_CPUS  taskset CPU list for the server and the baseline (default: not confined)
#   CLIENT_CPUS  taskset CPU list for the perf client (default: not confined)
#   TOTAL_S      roughly the whole run's seconds (default 220); sets SECS, the measured window per level
#                and per baseline row, to (TOTAL_S - 50 - 2 * WARM_S) / 12, at least 3
#   WARM_S       the server's JIT warm-up per protocol (default 30)
#   SECS         the measured window per level directly (overrides TOTAL_S)
#   PROTOCOLS    default "grpc http"; RSS default 1
#   JAVA_OPTS    extra JVM flags for the server, e.g. "-Dtare.http.eventLoopSpinMicros=300" (HTTP loops poll
#                after their work; off by default), "-Dtare.grpc.eventLoopSpinMicros=0" (gRPC loops do not),
#                "-Dtare.scheduler.cpuAffineWake=false" (compute not steered to the event loop's CPU)
#   PORT_BASE    the HTTP port; gRPC is +1, metrics +2 (default 18600)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACK="${PACK:-$ROOT/benchmarks/target-pack}"
SERVER_LIB="${SERVER_LIB:-$PACK/lib}"
CLIENT_LIB="${CLIENT_LIB:-$SERVER_LIB}"
DATA="${DATA:-$PACK/fmnist}"
DIGITS="${DIGITS:-$PACK/digits}"
if [ -z "${JAVA:-}" ]; then
  if [ -n "${JAVA_HOME:-}" ]; then JAVA="$JAVA_HOME/bin/java"; else JAVA="$(command -v java || true)"; fi
fi
TOTAL_S="${TOTAL_S:-220}"
WARM_S="${WARM_S:-30}"
SECS="${SECS:-$(( (TOTAL_S - 50 - 2 * WARM_S) / 12 > 3 ? (TOTAL_S - 50 - 2 * WARM_S) / 12 : 3 ))}"
PROTOCOLS="${PROTOCOLS:-grpc http}"
PORT_BASE="${PORT_BASE:-18600}"
HPORT=$PORT_BASE; GPORT=$((PORT_BASE + 1)); MPORT=$((PORT_BASE + 2))
OUT="${1:-$ROOT/benchmarks/results/serving-standalone-$(date -u +%Y%m%d-%H%M)}"

fail() { echo "serving-standalone: $*" >&2; exit 1; }
[ -x "$JAVA" ] || fail "no java binary (set JAVA=/path/to/bin/java)"
"$JAVA" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])' || fail "$JAVA is not Java 25 or newer"
ls "$SERVER_LIB"/tare-server-*.jar >/dev/null 2>&1 || fail "$SERVER_LIB has no tare-server jar (make it with benchmarks/serving-pack.sh)"
ls "$CLIENT_LIB"/tare-client-*.jar >/dev/null 2>&1 || fail "$CLIENT_LIB has no tare-client jar"
[ -f "$DATA/model.onnx" ] && [ -f "$DATA/test_x.f32" ] || fail "$DATA needs model.onnx and test_x.f32"
IMAGES=$(( $(stat -c %s "$DATA/test_x.f32") / (28 * 28 * 4) ))
mkdir -p "$OUT"

FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dtare.root.dir="$ROOT")
# Command arrays, not functions, so that `... &` leaves the JVM's own pid in $! (taskset execs java).
SERVER=("$JAVA" "${FLAGS[@]}" ${JAVA_OPTS:-} -cp "$SERVER_LIB/*" io.tare.server.cli.TareMain)
[ -n "${SERVER_CPUS:-}" ] && SERVER=(taskset -c "$SERVER_CPUS" "${SERVER[@]}")
CLIENT=("$JAVA" "${FLAGS[@]}" -cp "$CLIENT_LIB/*" io.tare.client.cli.ClientMain)
[ -n "${CLIENT_CPUS:-}" ] && CLIENT=(taskset -c "$CLIENT_CPUS" "${CLIENT[@]}")
source "$ROOT/benchmarks/http-get.sh"
wait_ready() {
  for _ in $(seq 1 240); do
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited; see $1"
    # its own log line first: a server left on these ports by someone else must not pass for ours
    grep -q 'server ready' "$1" && http_get "$HPORT" /v2/health/ready | head -1 | grep -q ' 200' && return 0
    sleep 0.25
  done
  fail "the server never became ready; see $1"
}
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

repo="$(mktemp -d)"
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$repo"' EXIT
mkdir -p "$repo/fmnist/1"
cp "$DATA/model.onnx" "$repo/fmnist/1/model.onnx"
printf 'max_batch_size: 64\ndynamic_batching { max_queue_delay_microseconds: 0 }\n' > "$repo/fmnist/config.pbtxt"
server_cpu_count=$(if [ -n "${SERVER_CPUS:-}" ]; then taskset -c "$SERVER_CPUS" nproc; else nproc; fi)
start=$(date +%s)

{
  echo "date: $(date -u +%FT%H:%M:%SZ)"
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server + baseline CPUs: ${SERVER_CPUS:-all} ($server_cpu_count); client CPUs: ${CLIENT_CPUS:-all}"
  echo "java: $("$JAVA" -version 2>&1 | head -1)"
  echo "jars: $SERVER_LIB$([ -f "$PACK/PACKED.txt" ] && echo " ($(head -1 "$PACK/PACKED.txt"))")"
  echo "server JIT warm-up ${WARM_S} s per protocol; per level: 2 s warm-up + $SECS s measured; $IMAGES test images cycled; server JVM flags: ${JAVA_OPTS:-none}"
} | tee "$OUT/machine.txt"

echo "== in-process ONNX Runtime baseline (1 s warm-up + $SECS s per row)"
"${SERVER[@]}" bench ort --model "$DATA/model.onnx" --data "$DATA/test_x.f32" --batch 1,64 --threads "$server_cpu_count" \
  --seconds "$SECS" --json 2>"$OUT/ort-inprocess.log" | tee "$OUT/ort-inprocess.json"

"${SERVER[@]}" serve --model-repository "$repo" --http-port $HPORT --grpc-port $GPORT --metrics-port $MPORT \
  >"$OUT/server.log" 2>&1 &
server_pid=$!
wait_ready "$OUT/server.log"
for protocol in $PROTOCOLS; do
  port=$([ "$protocol" = grpc ] && echo $GPORT || echo $HPORT)
  "${CLIENT[@]}" perf --protocol "$protocol" --url "localhost:$port" --model fmnist \
    --input "input=$DATA/test_x.f32:$IMAGES,1,28,28" --concurrency 64,1 --warmup 0 --duration "$(( (WARM_S + 1) / 2 ))" \
    >/dev/null 2>"$OUT/perf-$protocol-warmup.log"
  echo "== perf over $protocol (first row: c=8 warm-up level, not a result) load $(cut -d' ' -f1-3 /proc/loadavg)"
  "${CLIENT[@]}" perf --protocol "$protocol" --url "localhost:$port" --model fmnist \
    --input "input=$DATA/test_x.f32:$IMAGES,1,28,28" --concurrency 8,1,8,64 --warmup 2 --duration "$SECS" \
    --csv "$OUT/perf-$protocol.csv" 2>"$OUT/perf-$protocol.log" | tee "$OUT/perf-$protocol.txt"
done
echo "== server-side view (all levels together, warm-up included)"
http_get $MPORT /metrics | grep -E '^tare_(batch_size|queue_duration_seconds|compute_duration_seconds)_(sum|count)' \
  | sed 's/{.*}//' | tee "$OUT/server-metrics.txt"
stop_server

if [ "${RSS:-1}" = 1 ]; then
  echo "== resident memory, bundled repository (digits FP32 + digits QDQ INT8, after traffic to both)"
  "${SERVER[@]}" serve --model-repository "$DIGITS/models" --http-port $HPORT --grpc-port $GPORT --metrics-port $MPORT \
    >"$OUT/server-bundled.log" 2>&1 &
  server_pid=$!
  wait_ready "$OUT/server-bundled.log"
  for model in digits digits_qdq; do
    "${CLIENT[@]}" perf --url "localhost:$GPORT" --model "$model" --input "input=$DIGITS/test_x.f32:360,1,8,8" \
      --concurrency 8 --warmup 1 --duration 2 >/dev/null 2>>"$OUT/perf-digits.log"
  done
  grep -E 'VmRSS|VmHWM' "/proc/$server_pid/status" | tee "$OUT/rss.txt"   # taskset execs java: this is the JVM
  stop_server
fi

echo "== against the targets" | tee "$OUT/summary.txt"
b1=$(grep -o '"batch":1,"threads":1,[^}]*' "$OUT/ort-inprocess.json" | sed -E 's/.*"p50_us":([0-9.]+).*/\1/')
bn=$(grep -o "\"batch\":64,\"threads\":$server_cpu_count,[^}]*" "$OUT/ort-inprocess.json" | sed -E 's/.*"throughput":([0-9.]+).*/\1/')
for protocol in $PROTOCOLS; do
  # CSV rows after the header: the warm-up level, then c=1, 8, 64
  awk -F, -v p="$protocol" -v b1="$b1" -v bn="$bn" -v n="$server_cpu_count" 'NR == 3 { printf "%s c=1: p50 %.0f us, in-process batch 1 p50 %.0f us: server adds %+.0f us (target <= 150)\n", p, $9, b1, $9 - b1 }
    NR == 5 { printf "%s c=64: %.0f infer/s, in-process batch 64 x %d callers %.0f img/s: %.0f%% (target >= 80%%)\n", p, $7, n, bn, 100 * $7 / bn }' \
    "$OUT/perf-$protocol.csv"
done | tee -a "$OUT/summary.txt"
echo "== $(( $(date +%s) - start )) s; results in $OUT; load $(cut -d' ' -f1-3 /proc/loadavg)"
