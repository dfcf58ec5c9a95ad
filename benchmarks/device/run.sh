#!/bin/bash
# Run on the device machine from the repository root with the folder pack.sh made (D, default .dev),
# writing into $OUT: one call (~3 min on 16 CPUs): kernel tests per native ISA, kernel bench vs ORT, engine bench vs ORT
# (CNN torch INT8, CNN promoted by online calibration, MLP), serving benchmark (server CPUs 0-1, client 2-7).
# CPU sets overridable for a local dry run: SRV CLI T1..T4 (tests), KB (kernel bench), EB1 EB2 (engine bench).
# SERVING=calibration runs benchmarks/calibration-overhead.sh (issue 6) on SRV/CLI instead of the serving benchmark;
# ISAS (default "amx avx512vnni avxvnni avx2") picks the native ISAs the kernels suite runs under, on T1..T4 in order.
# With at most two ISAs the benches start at once on the CPUs the tests leave free (KB=12,13 EB1=14,15 EB2=14,15);
# PARALLEL=1 starts them at once on the KB/EB1/EB2 given.
D=$(pwd)/${D:-.dev}; T=/tmp/t; mkdir -p $T/fm
tar xJf $D/jre.txz -C $T && tar xJf $D/nodetests.txz -C $T && xz -dc $D/images.f32.xz > $T/fm/test_x.f32
cp $D/models/cnn_fp32.onnx $T/fm/model.onnx; mkdir -p $T/digits && cp -r models $T/digits/models && cp $D/digits_test_x.f32 $T/digits/test_x.f32
J=$T/jre2/bin/java; F="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
{ cat $D/PACKED.txt; lscpu | grep -i 'model name\|^CPU(s)\|L2\|L3\|Thread'; lscpu -e | head -20; } > $OUT/machine.txt 2>&1
KCP="$D/kernels-test-classes:$(ls $D/lib/tare-kernels-*.jar)"; SCP="$D/lib/*"; M=$D/models
tests() { local l=$1 c=$2; shift 2
  timeout ${TT:-170} taskset -c $c $J $F -Xss8m "$@" -Dtare.shared.dir=$T -jar $D/junit.jar execute -cp "$KCP" --select-package io.tare.kernels \
    --disable-banner --details=tree > $OUT/tests-$l.txt 2>&1; echo "tests $l rc=$? $(grep -E 'tests (successful|failed)' $OUT/tests-$l.txt | tr -s ' ' | tr '\n' ' ')"; }
if [ "${SERVING:-serving}" = calibration ]; then
  mkdir -p $T/fx/fmnist/cnn && ln -sf $T/fm/test_x.f32 $T/fx/fmnist/test_x.f32
  ln -sf $M/cnn_fp32.onnx $T/fx/fmnist/cnn/fmnist_rescnn_fp32.onnx; ln -sf $M/cnn_int8.onnx $T/fx/fmnist/cnn/fmnist_rescnn_int8_hist_pc.onnx
  ( SERVER_CPUS=${SRV:-0,1} CLIENT_CPUS=${CLI:-2-7} JAVA=$J SERVER_LIB=$D/lib FIXTURES=$T/fx timeout ${CS:-300} \
    bash benchmarks/calibration-overhead.sh $OUT/calibration > $OUT/serving.log 2>&1; echo "calibration rc=$?" >> $OUT/serving.log
    rm -rf $OUT/calibration/repo $OUT/calibration/r*.json ) &
else
  ( PACK=$D SERVER_CPUS=${SRV:-0,1} CLIENT_CPUS=${CLI:-2-7} JAVA=$J SERVER_LIB=$D/lib DATA=$T/fm DIGITS=$T/digits TOTAL_S=${TS:-200} \
    timeout 300 bash benchmarks/serving-standalone.sh $OUT/serving > $OUT/serving.log 2>&1; echo "serving rc=$?" >> $OUT/serving.log ) &
fi
ISAS=(${ISAS:-amx avx512vnni avxvnni avx2}); TCPUS=(${T1:-8,9} ${T2:-10,11} ${T3:-12,13} ${T4:-14,15}); P=""
for i in "${!ISAS[@]}"; do
  isa=${ISAS[$i]}; flag=$([ $isa = amx ] || echo -Dtare.kernels.native.isa=$isa)
  ( tests $isa ${TCPUS[$i]} $flag ) > $OUT/t$((i + 1)).log 2>&1 & P="$P $!"
done
# the benches wait for the tests unless their CPUs are given (PARALLEL=1) or the tests leave 12-15 free
if [ "${PARALLEL:-0}" = 1 ]; then :; elif [ ${#ISAS[@]} -gt 2 ]; then wait $P; else KB=${KB:-12,13} EB1=${EB1:-14,15} EB2=${EB2:-14,15}; fi
bm() { local c=$1; shift; echo "== bench model $*" | sed "s|$M/||g"; taskset -c $c timeout 45 $J $F -Xmx4g -cp "$SCP" io.tare.server.cli.TareMain bench model "$@" --seconds ${BS:-3} --data $T/fm/test_x.f32 2>&1 | grep -E '^(tare|ort):|outputs|Exception|rror'; }
( taskset -c ${KB:-8,9} timeout 150 $J $F -Xmx4g -cp "$D/benchmarks-classes:$SCP" io.tare.benchmarks.KernelBench --quick > $OUT/bench-kernels.txt 2>&1; echo "bench kernels rc=$?" >> $OUT/bench-kernels.txt
  # where batched GEMM time goes around the kernel (AMX there), and FP32 with K blocks of 128 (512-bit panels)
  for kc in 0 128; do taskset -c ${KB:-8,9} timeout 60 $J $F -Xmx4g -Dtare.kernels.sgemmKc=$kc -cp "$D/benchmarks-classes:$SCP" \
    io.tare.benchmarks.GemmPieces > $OUT/gemm-pieces-kc$kc.txt 2>&1; done ) &
bench_cnn() { for b in 32 1; do for m in cnn_int8 $( [ -f $M/cnn_promoted.onnx ] && echo cnn_promoted ); do
  bm ${EB1:-10,11} --model $M/$m.onnx --ort-model $M/cnn_fp32.onnx,$M/cnn_int8.onnx --batch $b; done; done > $OUT/bench-cnn.txt 2>&1; }
bench_mlp() { ( bm ${EB2:-12,13} --model $M/mlp_int8.onnx --ort-model $M/mlp_fp32.onnx,$M/mlp_int8.onnx --batch 64
  bm ${EB2:-12,13} --model $M/mlp_int8.onnx --ort-model $M/mlp_fp32.onnx,$M/mlp_int8.onnx --batch 1 ) > $OUT/bench-mlp.txt 2>&1; }
# CNN and MLP one after the other when they share CPUs (EB1 = EB2), else side by side
if [ "${EB1:-10,11}" = "${EB2:-12,13}" ]; then ( bench_cnn; bench_mlp ) & else bench_cnn & bench_mlp & fi
wait
cat $OUT/machine.txt | head -8
grep -v WARN $OUT/bench-kernels.txt | tail -40; grep -v WARN $OUT/gemm-pieces-kc0.txt; grep sgemm $OUT/gemm-pieces-kc128.txt; cat $OUT/bench-cnn.txt $OUT/bench-mlp.txt | cut -c1-130; grep -v "refreshes_total.*} 0.0" $OUT/serving.log | tail -50
# last, so that the output's tail (all that comes back when the files exceed the tool's count) has them
grep -h -B2 -A10 '✘' $OUT/tests-*.txt | head -30; cat $OUT/t*.log
