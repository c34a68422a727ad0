#!/usr/bin/env python3
"""Turns one benchmarks/scripts/run-engine-bench.sh result folder into the BENCHMARKS.md tables.

Usage: python3 benchmarks/scripts/report.py benchmarks/results/DATE
"""
import glob
import json
import os
import statistics
import sys

SHAPES = ["1x8", "32x16", "64x16", "256x128", "1024x1024", "4096x256"]


def jmh(folder):
    """{(method, impl, shape): {"min","median","max" ops/s, "bytes": B/op}}"""
    out = {}
    for r in json.load(open(os.path.join(folder, "jmh.json"))):
        method = r["benchmark"].rsplit(".", 1)[1]
        p = r["params"]
        raw = [v for fork in r["primaryMetric"]["rawData"] for v in fork]
        entry = {"min": min(raw), "median": statistics.median(raw), "max": max(raw)}
        gc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        if gc:
            entry["bytes"] = gc["score"]
        out[(method, p["impl"], p["shape"])] = entry
    return out


def torch_runs(folder):
    runs = {}
    for f in sorted(glob.glob(os.path.join(folder, "pytorch-*.json"))):
        d = json.load(open(f))
        runs[d["build"]] = {r["shape"]: r["opsPerSecond"] for r in d["results"]}
    return runs


def fmt(x):
    return f"{x:,.0f}"


def main(folder):
    j = jmh(folder)
    t = torch_runs(folder)
    print(open(os.path.join(folder, "machine.txt")).read().strip().replace("\n", "  \n"))
    print()
    print("Steps per second (ops/s), median of the measured iterations [min – max]; samples/s = ops/s × batch.")
    print()
    cols = ["streamgrad autograd (panama)", "autograd (scalar)", "handFused (panama)", "handFused (scalar)"]
    builds = list(t.keys())
    header = "| shape (batch×features) | " + " | ".join(cols + [b.split(" (")[0] for b in builds]) + " |"
    print(header)
    print("|" + "---|" * (len(cols) + len(builds) + 1))
    for s in SHAPES:
        cells = []
        for method, impl in [("autograd", "panama"), ("autograd", "scalar"), ("handFused", "panama"), ("handFused", "scalar")]:
            e = j.get((method, impl, s))
            cells.append(f"{fmt(e['median'])} [{fmt(e['min'])} – {fmt(e['max'])}]" if e else "–")
        for b in builds:
            e = t[b].get(s)
            cells.append(f"{fmt(e['median'])} [{fmt(e['min'])} – {fmt(e['max'])}]" if e else "–")
        print(f"| {s} | " + " | ".join(cells) + " |")
    print()
    print("Ratios (medians of the same run):")
    print()
    print("| shape | samples/s autograd (panama) | vs fastest PyTorch | autograd / handFused time | panama / scalar (autograd) | autograd vs readX2 (load bound) | bytes/step autograd | bytes/step handFused |")
    print("|---|---|---|---|---|---|---|---|")
    for s in SHAPES:
        a = j.get(("autograd", "panama", s))
        h = j.get(("handFused", "panama", s))
        sc = j.get(("autograd", "scalar", s))
        rd = j.get(("readX2", "panama", s))
        if not a:
            continue
        batch = int(s.split("x")[0])
        best_torch = max((t[b][s]["median"] for b in builds if s in t[b]), default=None)
        vs_torch = f"{a['median'] / best_torch:.1f}×" if best_torch else "–"
        over = f"{h['median'] / a['median']:.2f}×" if h else "–"
        pan = f"{a['median'] / sc['median']:.1f}×" if sc else "–"
        load = f"{100 * a['median'] / rd['median']:.0f}%" if rd else "–"
        print(f"| {s} | {fmt(a['median'] * batch)} | {vs_torch} | {over} | {pan} | {load} | "
              f"{a.get('bytes', 0):,.0f} | {h.get('bytes', 0) if h else 0:,.0f} |")


if __name__ == "__main__":
    main(sys.argv[1])
