#!/usr/bin/env bash
# Packs what benchmarks/serving-standalone.sh needs on a machine with no Maven and no network into one
# folder: every jar of the server (which include the client's: one folder serves both JVMs), the
# Fashion-MNIST ResCNN FP32 with the first IMAGES test images, and the bundled digits models with
# their test images (for the resident-memory step). Run here, after a build into BUILD.
# Usage: [BUILD=target] benchmarks/serving-pack.sh [DEST=benchmarks/target-pack] [IMAGES=2000]
# Size: ~53 MB of jars (ONNX Runtime's 19 MB jar holds its Linux/Windows natives) + 3.1 MB per
# 1,000 images, so the default fits a 64 MiB transfer.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-target}"
DEST="${1:-$ROOT/benchmarks/target-pack}"
IMAGES="${2:-2000}"
SHARED="$ROOT/../shared/fixtures"
server_jar=$(ls "$ROOT/server/$BUILD"/tare-server-*.jar 2>/dev/null | head -1)
[ -n "$server_jar" ] || { echo "no server jar in server/$BUILD: build first (mvn -B -o -Dtare.build.dir=$BUILD -pl server -am package -DskipTests)" >&2; exit 1; }
for jar in tare-client tare-kernels tare-proto; do
  ls "$ROOT/server/$BUILD/lib/$jar"-*.jar >/dev/null 2>&1 || { echo "server/$BUILD/lib lacks $jar" >&2; exit 1; }
done

rm -rf "$DEST"
mkdir -p "$DEST/lib" "$DEST/fmnist" "$DEST/digits"
cp "$ROOT/server/$BUILD"/lib/*.jar "$server_jar" "$DEST/lib/"
cp "$SHARED/fmnist/cnn/fmnist_rescnn_fp32.onnx" "$DEST/fmnist/model.onnx"
head -c $((IMAGES * 28 * 28 * 4)) "$SHARED/fmnist/test_x.f32" > "$DEST/fmnist/test_x.f32"
cp -r "$ROOT/models" "$DEST/digits/models"
cp "$SHARED/digits/test_x.f32" "$DEST/digits/test_x.f32"
{
  echo "packed $(date -u +%FT%H:%M:%SZ) from $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- server client kernels proto || echo ' (with uncommitted changes)'), build folder $BUILD"
  echo "fmnist test images: $IMAGES"
} > "$DEST/PACKED.txt"
cat "$DEST/PACKED.txt"
du -sh "$DEST"
