#!/usr/bin/env python3
"""The TrainStepBenchmark step in PyTorch, one thread, same grid, same table.

    pred = X @ w + b
    loss = mse(pred, Y)
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad; b -= lr * b.grad
        w.grad.zero_(); b.grad.zero_()

Usage: python3 benchmarks/scripts/pytorch_step.py [--shapes 1x8,64x16] [--iterations 5] [--seconds 1] [--json FILE]
Each shape gets warm-up iterations, then --iterations timed iterations of about --seconds each;
the table reports ops/s (steps/s) as min / median / max over iterations, and samples/s at the median.
"""
import argparse
import json
import statistics
import sys
import time

import torch

SHAPES = ["1x8", "32x16", "64x16", "256x128", "1024x1024", "4096x256"]


def make_step(batch, features, seed=42):
    g = torch.Generator().manual_seed(seed)
    w_true = torch.randn(features, generator=g)
    X = (torch.rand(batch, features, generator=g) - 0.5) * 5
    Y = X @ w_true + torch.randn(batch, generator=g) / 2
    w = (torch.rand(features, generator=g) / features ** 0.5).requires_grad_(True)
    b = torch.zeros((), requires_grad=True)
    lr = 0.01

    def step():
        nonlocal w, b  # `w -= ...` is in place (the tutorial's form) but rebinds the name
        pred = X @ w + b
        loss = torch.mean((pred - Y) ** 2)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        return loss

    return step


def measure(step, seconds):
    """Runs the step repeatedly for about `seconds`; returns steps per second."""
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    batch = 1
    while True:
        for _ in range(batch):
            step()
        n += batch
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)
        batch = min(batch * 2, 1024)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shapes", default=",".join(SHAPES))
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", help="write the results as JSON to this file")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    build = f"torch {torch.__version__} ({sys.executable}), {torch.get_num_threads()} thread(s)"
    print(f"# {build}")
    cfg = torch.__config__.show().splitlines()
    blas = [l.strip() for l in cfg if ("BLAS" in l or "MKL" in l or "CPU capability" in l) and "Build settings" not in l]
    for line in blas[:4]:
        print(f"# {line}")
    print(f"{'shape':>10} {'ops/s median':>14} {'min':>12} {'max':>12} {'samples/s':>14}")
    results = []
    for shape in args.shapes.split(","):
        batch, features = (int(v) for v in shape.split("x"))
        step = make_step(batch, features)
        for _ in range(args.warmup):
            measure(step, args.seconds)
        runs = [measure(step, args.seconds) for _ in range(args.iterations)]
        med = statistics.median(runs)
        results.append({"shape": shape, "opsPerSecond": {"min": min(runs), "median": med, "max": max(runs)},
                        "samplesPerSecond": med * batch})
        print(f"{shape:>10} {med:14.1f} {min(runs):12.1f} {max(runs):12.1f} {med * batch:14.1f}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"build": build, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
