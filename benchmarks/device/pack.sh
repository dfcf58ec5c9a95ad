#!/bin/bash
# Packs a folder for one call on the lent device machine (carry it; the limit is 64 MiB): a jlink JRE,
# the server jars (ONNX Runtime trimmed to linux-x64, netty-shaded without tcnative), the kernels test
# classes, the benchmarks classes, fixture models and 2,000 test images. Run from the repository root
# (or a `git archive` export of it, to keep others' uncommitted edits out) after
#   mvn -B -o -Dtare.build.dir=target-dev package -DskipTests
# Usage: [B=target-dev] [D=.dev] [SHARED=../shared] benchmarks/device/pack.sh   (D must be git-ignored)
# Optional: /tmp/cnn_promoted.onnx (a promoted cold-start model) is packed when present.
set -euo pipefail
B=${B:-target-dev}; D=${D:-.dev}; S=${SHARED:-$(pwd)/../shared}/fixtures
rm -rf $D/lib $D/models $D/kernels-test-classes $D/benchmarks-classes $D/tare-*.jar $D/images.f32.xz
mkdir -p $D/lib $D/models
# JUnit's console launcher runs the kernels suite there (the platform version of junit.version 5.13.4)
[ -f $D/junit.jar ] || mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.13.4 \
  -DoutputDirectory=$D -Dmdep.stripVersion=true && { [ -f $D/junit.jar ] || mv $D/junit-platform-console-standalone.jar $D/junit.jar; }
[ -f $D/nodetests.txz ] || tar cf - -C $S/.. onnx-node-tests | xz -T2 > $D/nodetests.txz
[ -f /tmp/jre2.txz ] || { rm -rf /tmp/jre2; /usr/lib/jvm/temurin-25-jdk-amd64/bin/jlink --add-modules java.base,java.logging,java.management,jdk.management,java.naming,jdk.unsupported,jdk.incubator.vector,java.xml,java.net.http,jdk.crypto.ec,java.sql,jdk.jfr --strip-debug --no-header-files --no-man-pages --output /tmp/jre2 2>/dev/null; tar cf - -C /tmp jre2 | xz -T2 -6 > /tmp/jre2.txz; }
cp /tmp/jre2.txz $D/jre.txz
cp server/$B/lib/*.jar server/$B/tare-server-*.jar $D/lib/
rm -f $D/lib/tare-kernels-*.jar; cp kernels/$B/tare-kernels-*.jar $D/lib/
( cd $D/lib && zip -q -d onnxruntime-*.jar 'ai/onnxruntime/native/win-*' 'ai/onnxruntime/native/linux-aarch64/*' 'ai/onnxruntime/native/osx-*' || true
  zip -q -d grpc-netty-shaded-*.jar 'META-INF/native/*tcnative*' '*aarch_64*' || true )
cp -r kernels/$B/test-classes $D/kernels-test-classes
cp -r benchmarks/$B/classes $D/benchmarks-classes
cp $S/fmnist/cnn/fmnist_rescnn_fp32.onnx $D/models/cnn_fp32.onnx
cp $S/fmnist/cnn/fmnist_rescnn_int8_hist_pc.onnx $D/models/cnn_int8.onnx
cp $S/fmnist/mlp/fmnist_mlp_fp32.onnx $D/models/mlp_fp32.onnx; cp $S/fmnist/mlp/fmnist_mlp_int8_hist_pc.onnx $D/models/mlp_int8.onnx
[ -f /tmp/cnn_promoted.onnx ] && cp /tmp/cnn_promoted.onnx $D/models/cnn_promoted.onnx
head -c $((2000*784*4)) $S/fmnist/test_x.f32 | xz -T2 > $D/images.f32.xz
cp $S/digits/test_x.f32 $D/digits_test_x.f32
git rev-parse --short HEAD > $D/PACKED.txt 2>/dev/null || echo "not a git checkout" > $D/PACKED.txt
du -sh $D; du -sh $D/* | sort -h | tail -6
