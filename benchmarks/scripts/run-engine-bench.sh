#!/usr/bin/env bash
# Runs the engine benchmarks side by side in one session: PyTorch (every build found) and the JMH
# TrainStepBenchmark, then prints the comparison table (benchmarks/scripts/report.py).
#   benchmarks/scripts/run-engine-bench.sh [OUT_DIR]      (~20 minutes on 2 cores; keep the machine otherwise idle)
# PyTorch builds: Debian's python3-torch for /usr/bin/python3 (apt-get install python3-torch), and a
# CPU wheel from /opt/wheels in a venv (benchmarks/scripts/.venv) when one is there.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/results/$(date -u +%Y-%m-%d)}
mkdir -p "$out"

mvn -B -q -pl benchmarks -am package -DskipTests

{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
  echo "flags: $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|fma)$' | xargs)"
  echo "java: $(java -version 2>&1 | head -2 | tail -1)"
} > "$out/machine.txt"
cat "$out/machine.txt"

if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  /usr/bin/python3 benchmarks/scripts/pytorch_step.py --json "$out/pytorch-debian.json" | tee "$out/pytorch-debian.txt"
fi
wheel=$(ls /opt/wheels/torch-*.whl 2>/dev/null | head -1 || true)
if [ -n "$wheel" ]; then
  if [ ! -x benchmarks/scripts/.venv/bin/python ] || ! benchmarks/scripts/.venv/bin/python -c 'import torch' 2>/dev/null; then
    python3 -m venv --system-site-packages benchmarks/scripts/.venv
    benchmarks/scripts/.venv/bin/pip install -q --no-index --no-deps "$wheel"
  fi
  benchmarks/scripts/.venv/bin/python benchmarks/scripts/pytorch_step.py --json "$out/pytorch-wheel.json" | tee "$out/pytorch-wheel.txt"
fi

java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar TrainStepBenchmark \
  -prof gc -rf json -rff "$out/jmh.json" | tee "$out/jmh.txt"

python3 benchmarks/scripts/report.py "$out" | tee "$out/report.md"
