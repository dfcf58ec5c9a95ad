# Sourced by the serving-*.sh benchmarks: paths, JVM flags and a one-model repository (the
# Fashion-MNIST ResCNN FP32, max_batch_size 64, dynamic batching without queue delay, or with the
# dynamic_batching fields in $BATCHING) in $repo, removed on exit along with the server in $server_pid.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-target}"
FM="$ROOT/../shared/fixtures/fmnist"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dtare.root.dir="$ROOT")
CLIENT_CP="$ROOT/client/$BUILD/classes:$ROOT/client/$BUILD/lib/*"
repo="$(mktemp -d)"
trap 'kill ${server_pid:-} 2>/dev/null || true; rm -rf "$repo"' EXIT
mkdir -p "$repo/fmnist/1"
cp "$FM/cnn/fmnist_rescnn_fp32.onnx" "$repo/fmnist/1/model.onnx"
printf 'max_batch_size: 64\ndynamic_batching { %s }\n' "${BATCHING:-max_queue_delay_microseconds: 0}" \
  > "$repo/fmnist/config.pbtxt"
