#!/usr/bin/env python3
"""Serving's forward pass in PyTorch, one thread: the PredictBenchmark's shapes and table.

    with torch.no_grad():
        out = X @ w + b

Usage: python3 benchmarks/scripts/pytorch_predict.py [--shapes 1x16,64x16,256x128] [--iterations 5] [--seconds 1] [--json FILE]
ops/s (forward passes/s) as min / median / max over iterations, and predictions/s at the median.
"""
import argparse
import json
import statistics
import sys

import torch

from pytorch_step import measure

SHAPES = ["1x16", "64x16", "256x128"]


def make_forward(batch, features, seed=42):
    g = torch.Generator().manual_seed(seed)
    X = (torch.rand(batch, features, generator=g) - 0.5) * 5
    w = torch.rand(features, generator=g) / features ** 0.5
    b = torch.zeros(())

    def forward():
        with torch.no_grad():
            return X @ w + b

    return forward


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shapes", default=",".join(SHAPES))
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--json", help="write the results as JSON to this file")
    args = p.parse_args()
    torch.set_num_threads(1)
    build = f"torch {torch.__version__} ({sys.executable}), {torch.get_num_threads()} thread(s)"
    print(f"# {build}")
    print(f"{'shape':>10} {'ops/s median':>14} {'min':>12} {'max':>12} {'predictions/s':>14}")
    results = []
    for shape in args.shapes.split(","):
        batch, features = (int(v) for v in shape.split("x"))
        forward = make_forward(batch, features)
        for _ in range(args.warmup):
            measure(forward, args.seconds)
        runs = [measure(forward, args.seconds) for _ in range(args.iterations)]
        med = statistics.median(runs)
        results.append({"shape": shape, "opsPerSecond": {"min": min(runs), "median": med, "max": max(runs)}})
        print(f"{shape:>10} {med:14.1f} {min(runs):12.1f} {max(runs):12.1f} {med * batch:14.1f}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"build": build, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
