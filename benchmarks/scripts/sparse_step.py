#!/usr/bin/env python3
"""The SparseStepBenchmark step in scikit-learn and PyTorch, one thread, on the same rows.

Rows: the file SparseRows.main writes (65,536 simulated impressions, ~30 hashed tokens each, value 1,
indices in 2^24; modulo 2^20 for the 2^20 space). For each space (2^20, 2^24) and batch (1, 64):

  scikit-learn   SGDClassifier(loss="log_loss").partial_fit(X_batch, y_batch, classes=[0, 1]) on a
                 SciPy CSR matrix (batches sliced beforehand)
  PyTorch        nn.EmbeddingBag(2^bits, 1, mode="sum", sparse=True) + SparseAdam: forward, BCE with
                 logits (sum), backward, step, zero_grad (no bias: one optimizer, its cheapest form)

Usage: python3 benchmarks/scripts/sparse_step.py ROWS_FILE [--impl sklearn|torch|both] [--json FILE]
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np


def load(path):
    raw = np.fromfile(path, dtype="<i4")
    rows, nnz = int(raw[0]), int(raw[1])
    offsets = raw[2:3 + rows]
    indices = raw[3 + rows:3 + rows + nnz]
    labels = raw[3 + rows + nnz:3 + rows + nnz + rows].view("<f4")
    return offsets, indices, labels


def measure(step, seconds):
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    burst = 1
    while True:
        for _ in range(burst):
            step()
        n += burst
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)
        burst = min(burst * 2, 256)


def batches(offsets, indices, labels, bits, batch, count):
    mask = (1 << bits) - 1
    out = []
    for b in range(count):
        lo, hi = b * batch, (b + 1) * batch
        off = offsets[lo:hi + 1] - offsets[lo]
        idx = indices[offsets[lo]:offsets[hi]] & mask
        out.append((off, idx, labels[lo:hi]))
    return out


def sklearn_step(data, bits):
    import scipy.sparse as sp
    from sklearn.linear_model import SGDClassifier
    mats = [(sp.csr_matrix((np.ones(len(idx), dtype=np.float64), idx, off),
                           shape=(len(off) - 1, 1 << bits)), y.astype(np.float64))
            for off, idx, y in data]
    clf = SGDClassifier(loss="log_loss", learning_rate="optimal", alpha=1e-6)
    clf.partial_fit(mats[0][0], mats[0][1], classes=np.array([0.0, 1.0]))
    state = {"i": 0}

    def step():
        X, y = mats[state["i"] % len(mats)]
        state["i"] += 1
        clf.partial_fit(X, y)
    return step


def torch_step(data, bits):
    import torch
    torch.set_num_threads(1)
    bag = torch.nn.EmbeddingBag(1 << bits, 1, mode="sum", sparse=True)
    with torch.no_grad():
        bag.weight.zero_()
    opt = torch.optim.SparseAdam(bag.parameters(), lr=0.01)
    tens = [(torch.from_numpy(idx.astype(np.int64)), torch.from_numpy(off[:-1].astype(np.int64)),
             torch.from_numpy(y.copy())) for off, idx, y in data]
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    state = {"i": 0}

    def step():
        idx, off, y = tens[state["i"] % len(tens)]
        state["i"] += 1
        logits = bag(idx, off).squeeze(1)
        loss = loss_fn(logits, y)
        loss.backward()
        opt.step()
        opt.zero_grad()
    return step


def main():
    p = argparse.ArgumentParser()
    p.add_argument("rows")
    p.add_argument("--impl", default="both")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--json")
    args = p.parse_args()
    offsets, indices, labels = load(args.rows)
    impls = ["sklearn", "torch"] if args.impl == "both" else [args.impl]
    results = []
    for impl in impls:
        if impl == "sklearn":
            import sklearn
            build = f"scikit-learn {sklearn.__version__}"
        else:
            import torch
            build = f"torch {torch.__version__}"
        for bits in (20, 24):
            for batch in (1, 64):
                data = batches(offsets, indices, labels, bits, batch, min(512, len(labels) // batch))
                step = (sklearn_step if impl == "sklearn" else torch_step)(data, bits)
                for _ in range(args.warmup):
                    measure(step, args.seconds)
                runs = [measure(step, args.seconds) for _ in range(args.iterations)]
                med = statistics.median(runs)
                row = {"impl": impl, "build": build, "bits": bits, "batch": batch,
                       "steps_per_s": runs, "samples_per_s": med * batch}
                results.append(row)
                print(f"{impl:8s} 2^{bits} batch {batch:3d}: {med * batch:12,.0f} samples/s "
                      f"(steps/s min {min(runs):,.0f} median {med:,.0f} max {max(runs):,.0f})  {build}",
                      flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"python": sys.version, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
