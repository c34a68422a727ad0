#!/usr/bin/env bash
# The sparse (CTR) engine step side by side in one session, on the same rows: scikit-learn's
# SGDClassifier.partial_fit (Debian's python3-sklearn), PyTorch's EmbeddingBag + SparseAdam
# (benchmarks/scripts/.venv or Debian's python3-torch) and the JMH SparseStepBenchmark (FTRL logistic).
#   benchmarks/scripts/run-sparse-bench.sh [OUT_DIR]      (~10 minutes on 2 cores; keep the machine otherwise idle)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/results/$(date -u +%Y-%m-%d)-sparse}
mkdir -p "$out"

mvn -B -q -pl benchmarks -am package -DskipTests
{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
  echo "java: $(java -version 2>&1 | head -2 | tail -1)"
} > "$out/machine.txt"
cat "$out/machine.txt"

rows="$out/rows.bin"
java -cp benchmarks/target/benchmarks.jar io.streamgrad.benchmarks.SparseRows "$rows"

if /usr/bin/python3 -c 'import sklearn, scipy' 2>/dev/null; then
  /usr/bin/python3 benchmarks/scripts/sparse_step.py "$rows" --impl sklearn --json "$out/sklearn.json" | tee "$out/sklearn.txt"
else
  echo "scikit-learn missing: apt-get install python3-sklearn" >&2
fi
torch_python=""
wheel=$(ls /opt/wheels/torch-*.whl 2>/dev/null | head -1 || true)
if [ -n "$wheel" ] && ! { [ -x benchmarks/scripts/.venv/bin/python ] && benchmarks/scripts/.venv/bin/python -c 'import torch' 2>/dev/null; }; then
  python3 -m venv --system-site-packages benchmarks/scripts/.venv
  benchmarks/scripts/.venv/bin/pip install -q --no-index --no-deps "$wheel"
fi
if [ -x benchmarks/scripts/.venv/bin/python ] && benchmarks/scripts/.venv/bin/python -c 'import torch' 2>/dev/null; then
  torch_python=benchmarks/scripts/.venv/bin/python
elif /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  torch_python=/usr/bin/python3
fi
if [ -n "$torch_python" ]; then
  "$torch_python" benchmarks/scripts/sparse_step.py "$rows" --impl torch --json "$out/torch.json" | tee "$out/torch.txt"
fi

java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar SparseStepBenchmark \
  -rf json -rff "$out/jmh.json" | tee "$out/jmh.txt"
rm -f "$rows"

python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
ours = {}
for r in json.load(open(os.path.join(out, "jmh.json"))):
    p = r["params"]
    ours[(int(p["bits"]), int(p["batch"]))] = r["primaryMetric"]["score"] * int(p["batch"])
others = {}
for name in ("sklearn", "torch"):
    f = os.path.join(out, name + ".json")
    if os.path.exists(f):
        for r in json.load(open(f))["results"]:
            others[(name, r["bits"], r["batch"])] = r["samples_per_s"]
print("| coordinates | batch | streamgrad FTRL samples/s | scikit-learn SGDClassifier | PyTorch EmbeddingBag + SparseAdam | vs scikit-learn | vs PyTorch |")
print("|---|---:|---:|---:|---:|---:|---:|")
for bits in (20, 24):
    for batch in (1, 64):
        o = ours.get((bits, batch))
        s = others.get(("sklearn", bits, batch))
        t = others.get(("torch", bits, batch))
        fmt = lambda v: f"{v:,.0f}" if v else "-"
        ratio = lambda a, b: f"{a / b:.1f}x" if a and b else "-"
        print(f"| 2^{bits} | {batch} | {fmt(o)} | {fmt(s)} | {fmt(t)} | {ratio(o, s)} | {ratio(o, t)} |")
for batch in (1, 64):
    if (20, batch) in ours and (24, batch) in ours:
        print(f"\nbatch {batch}: a step at 2^24 costs {ours[(20, batch)] / ours[(24, batch)]:.2f}x one at 2^20")
PY
