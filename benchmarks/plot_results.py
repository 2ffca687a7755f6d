#!/usr/bin/env python3
"""Plots the benchmark results that `lowbit-bench --results FILE.csv` writes.

    /usr/bin/python3 benchmarks/plot_results.py benchmarks/results/lowbit-bench.csv \\
        -o docs/images

Writes, for the newest run of every table on the newest CPU in the file
(with --threads N threads, default 1):

  bench-gemv.png              GEMV (M = 1) bandwidth: % of the paired read,
                              per shape and weight format (100% is the
                              machine's read speed)
  bench-weight-only-gemm.png  weight-only GEMM: speed-up over f32 OpenBLAS
                              sgemm on dequantized weights, per M and format
  bench-integer-gemm.png      W8A8 time / oneDNN int8 time and W4A4 time /
                              W8A8 kernel time, per M (below 1 is faster)
  bench-history.png           each table's key ratio (mean over its rows)
                              for every run in the file, oldest first, for
                              the tables measured more than once: the run
                              history a change shows up in

Needs matplotlib (Debian: python3-matplotlib).
"""

import argparse
import collections
import csv
import os
import re
import sys

# The ratio each table leads with.
KEYS = [
    ("gemv", "% of paired read"),
    ("weight-only gemm", "fast vs sgemm"),
    ("w8a8 gemm", "fast / oneDNN time"),
    ("w4a4 rptq", "W4A4 / W8A8 time"),
]
NUMBER = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?")


def key_column(table):
    for prefix, column in KEYS:
        if table.startswith(prefix):
            return column
    return None


def number(text):
    m = NUMBER.search(text)
    return float(m.group(0)) if m else None


def load(path):
    """[(run, cpu, threads, table, row, value)] of the key columns, in file
    order."""
    cells = []
    with open(path, newline="") as f:
        for rec in csv.DictReader(f):
            column = key_column(rec["table"])
            if column is None or rec["column"] != column:
                continue
            value = number(rec["value"])
            if value is not None:
                cells.append((rec["run"], rec["cpu"], rec["threads"],
                              rec["table"], rec["row"], value))
    return cells


def latest(cells, threads):
    """{table: {row: value}} of each table's newest run on the newest CPU
    with `threads` threads, and that machine's label."""
    cpus = [c[1] for c in cells if c[2] == threads]
    if not cpus:
        sys.exit("plot_results: no runs with %s thread(s)" % threads)
    machine = (cpus[-1], threads)
    newest = {}
    for run, cpu, threads, table, _, _ in cells:
        if (cpu, threads) == machine:
            newest[table] = max(newest.get(table, run), run)
    tables = collections.defaultdict(dict)
    for run, cpu, threads, table, row, value in cells:
        if (cpu, threads) == machine and run == newest[table]:
            tables[table][row] = value
    label = "%s, %s thread%s" % (machine[0], machine[1],
                                 "" if machine[1] == "1" else "s")
    return tables, label


def grouped_bars(ax, tables, ylabel, reference):
    """Bars per row (x) and table (colour)."""
    rows = list(dict.fromkeys(r for t in tables.values() for r in t))
    width = 0.8 / max(len(tables), 1)
    for i, (table, values) in enumerate(sorted(tables.items())):
        xs = [j + i * width for j, r in enumerate(rows) if r in values]
        ax.bar(xs, [values[r] for r in rows if r in values], width,
               label=table)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(rows))])
    ax.set_xticklabels(rows, fontsize=8)
    ax.set_ylabel(ylabel)
    ax.axhline(reference, color="gray", linewidth=0.8)
    ax.legend(fontsize=7)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv")
    ap.add_argument("-o", "--out", default="docs/images")
    ap.add_argument("--threads", default="1",
                    help="thread count of the runs the bar plots show "
                    "(default 1)")
    args = ap.parse_args(argv)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot_results: needs matplotlib (apt-get install "
                 "python3-matplotlib)")
    if not os.path.isfile(args.csv):
        sys.exit("plot_results: no such file '%s'" % args.csv)
    cells = load(args.csv)
    if not cells:
        sys.exit("plot_results: '%s' holds no key-ratio cells" % args.csv)
    os.makedirs(args.out, exist_ok=True)
    tables, machine = latest(cells, args.threads)

    def save(fig, name):
        fig.tight_layout()
        path = os.path.join(args.out, name)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        print(path)

    for prefix, name, ylabel, ref, title in [
            ("gemv", "bench-gemv.png", "% of the paired read", 100.0,
             "Weight-only GEMV (M = 1), cold weights"),
            ("weight-only gemm", "bench-weight-only-gemm.png",
             "speed-up over sgemm", 1.0,
             "Weight-only GEMM, K = N = 4096, vs OpenBLAS sgemm")]:
        group = {t[len(prefix) + 1:]: v for t, v in tables.items()
                 if t.startswith(prefix)}
        if not group:
            continue
        fig, ax = plt.subplots(figsize=(8, 3.8))
        grouped_bars(ax, group, ylabel, ref)
        ax.set_title("%s (%s)" % (title, machine), fontsize=9)
        save(fig, name)

    integer = [(t, v) for t, v in sorted(tables.items())
               if t.startswith(("w8a8", "w4a4"))]
    if integer:
        fig, axes = plt.subplots(1, len(integer), figsize=(4 * len(integer), 3.4),
                                 squeeze=False)
        for ax, (table, values) in zip(axes[0], integer):
            ax.bar(range(len(values)), list(values.values()), 0.6)
            ax.set_xticks(range(len(values)))
            ax.set_xticklabels(["M = %s" % r for r in values], fontsize=7,
                               rotation=45)
            ax.set_ylabel(key_column(table))
            ax.axhline(1.0, color="gray", linewidth=0.8)
            ax.set_title(table, fontsize=9)
        fig.suptitle("Integer GEMM, K = N = 4096 (%s)" % machine, fontsize=9)
        save(fig, "bench-integer-gemm.png")

    # History: the mean key ratio of each table (and thread count) per run,
    # for those measured in more than one run.
    history = collections.defaultdict(lambda: collections.defaultdict(list))
    for run, cpu, threads, table, _, value in cells:
        history[(table, threads)][(run, cpu)].append(value)
    history = {k: v for k, v in history.items() if len(v) > 1}
    if not history:
        print("no table has more than one run yet: no bench-history.png")
        return
    fig, ax = plt.subplots(figsize=(8, 3.8))
    runs = sorted({r for t in history.values() for r in t})
    for (table, threads), per_run in sorted(history.items()):
        xs = [runs.index(r) for r in sorted(per_run)]
        ys = [sum(v) / len(v) for _, v in sorted(per_run.items())]
        ax.plot(xs, ys, marker="o",
                label="%s, %s thr.: %s" % (table, threads, key_column(table)))
    ax.set_xticks(range(len(runs)))
    ax.set_xticklabels([r[0][:16].replace("T", " ") for r in runs],
                       fontsize=6, rotation=30)
    ax.set_yscale("log")
    ax.set_title("Key ratio per run (mean over each table's rows)", fontsize=9)
    ax.legend(fontsize=5, ncol=2)
    save(fig, "bench-history.png")


if __name__ == "__main__":
    main()
