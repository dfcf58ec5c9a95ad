#!/usr/bin/env bash
# The first requests after a server start, timed by curl (no client JIT): `tare serve` on
# SERVER_CPUS with the Fashion-MNIST ResCNN (PyTorch's INT8 file on the tare backend,
# max_batch_size 32), with or without a model_warmup sample, then N JSON inference requests over
# HTTP on CLIENT_CPUS as soon as /v2/health/ready answers 200.
#
# Usage: [SERVER_CPUS=0] [CLIENT_CPUS=1] [N=20] [BUILD=target] benchmarks/first-requests.sh none|WARMUP_COUNT
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-target}"; N="${N:-20}"
FM="$ROOT/../shared/fixtures/fmnist"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
repo="$(mktemp -d)"
trap 'kill ${pid:-} 2>/dev/null || true; rm -rf "$repo"' EXIT
mkdir -p "$repo/cnn/1"
cp "$FM/cnn/fmnist_rescnn_int8_hist_pc.onnx" "$repo/cnn/1/model.onnx"
printf 'backend: "tare"\nmax_batch_size: 32\n' > "$repo/cnn/config.pbtxt"
if [ "${1:-none}" != none ]; then
  printf 'model_warmup [ { name: "one image" batch_size: 1 count: %d inputs { key: "input" value: { data_type: TYPE_FP32 dims: [ 1, 28, 28 ] random_data: true } } } ]\n' \
    "$1" >> "$repo/cnn/config.pbtxt"
fi
# one real test image as a JSON request
head -c 3136 "$FM/test_x.f32" | od -An -v -t f4 | tr -s ' \n' ',' | sed 's/^,//; s/,$//' \
  | awk '{ printf "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\",\"data\":[%s]}]}", $0 }' \
  > "$repo/request.json"
start=$(date +%s%N)
taskset -c "${SERVER_CPUS:-0}" "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "$ROOT/server/$BUILD/classes:$ROOT/server/$BUILD/lib/*" io.tare.server.cli.TareMain serve \
  --model-repository "$repo" --http-port 18500 --grpc-port 18501 --metrics-port 18502 > "$repo/server.log" 2>&1 &
pid=$!
until [ "$(curl -s -o /dev/null -w '%{http_code}' localhost:18500/v2/health/ready)" = 200 ]; do
  kill -0 "$pid" 2>/dev/null || { cat "$repo/server.log"; exit 1; }
  sleep 0.05
done
ready=$(date +%s%N)
times=""
for _ in $(seq 1 "$N"); do
  t=$(taskset -c "${CLIENT_CPUS:-1}" curl -sf -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' \
    --data @"$repo/request.json" localhost:18500/v2/models/cnn/infer)
  times="$times $(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')"
done
echo "warm-up ${1:-none}: start to ready $(( (ready - start) / 1000000 )) ms; first $N requests (ms):$times"
