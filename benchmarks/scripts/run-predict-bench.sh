#!/usr/bin/env bash
# Serving's forward pass side by side in one session: PyTorch's torch.no_grad() forward (every
# build found, as run-engine-bench.sh finds them) and the JMH PredictBenchmark.
#   benchmarks/scripts/run-predict-bench.sh [OUT_DIR]      (~5 minutes on 2 cores; keep the machine otherwise idle)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/results/$(date -u +%Y-%m-%d)-predict}
mkdir -p "$out"
mvn -B -q -pl benchmarks -am package -DskipTests
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  (cd benchmarks/scripts && /usr/bin/python3 pytorch_predict.py --json "../../$out/pytorch-debian.json") | tee "$out/pytorch-debian.txt"
fi
wheel=$(ls /opt/wheels/torch-*.whl 2>/dev/null | head -1 || true)
if [ -n "$wheel" ]; then
  if [ ! -x benchmarks/scripts/.venv/bin/python ] || ! benchmarks/scripts/.venv/bin/python -c 'import torch' 2>/dev/null; then
    python3 -m venv --system-site-packages benchmarks/scripts/.venv
    benchmarks/scripts/.venv/bin/pip install -q --no-index --no-deps "$wheel"
  fi
  (cd benchmarks/scripts && .venv/bin/python pytorch_predict.py --json "../../$out/pytorch-wheel.json") | tee "$out/pytorch-wheel.txt"
fi
java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar PredictBenchmark \
  -prof gc -rf json -rff "$out/jmh.json" | tee "$out/jmh.txt"
