#!/usr/bin/env python3
"""Assemble every .ptx in a directory with ptxas and report its resources.

    ptxas-check.py DIR --arch sm_90 [--ptxas PATH] [--max-registers N]
                   [--per-kernel]

Each file is assembled with `ptxas -arch=ARCH -v --warn-on-spills
--warn-on-local-memory-usage -Werror`, so a kernel that spills registers or
uses local memory fails. Prints one summary line (and with --per-kernel one
line per kernel: registers, shared memory, stack) and exits 1 if any file
fails or any kernel uses more than --max-registers registers.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys


def assemble(ptxas, arch, path):
    cmd = [ptxas, "-arch=" + arch, "-v", "--warn-on-spills",
           "--warn-on-local-memory-usage", "-Werror", path, "-o", os.devnull]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return path, proc.returncode, proc.stdout + proc.stderr


def parse(output):
    """{kernel: {registers, shared, stack, spill_stores, spill_loads}}."""
    kernels, current = {}, None
    for line in output.splitlines():
        m = re.search(r"Compiling entry function '([^']+)'", line)
        if m:
            current = m.group(1)
            kernels[current] = {"registers": 0, "shared": 0, "stack": 0,
                                "spill_stores": 0, "spill_loads": 0}
            continue
        if current is None:
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, "
                      r"(\d+) bytes spill loads", line)
        if m:
            k = kernels[current]
            k["stack"], k["spill_stores"], k["spill_loads"] = map(int, m.groups())
        m = re.search(r"Used (\d+) registers", line)
        if m:
            kernels[current]["registers"] = int(m.group(1))
        m = re.search(r"(\d+) bytes smem", line)
        if m:
            kernels[current]["shared"] = int(m.group(1))
    return kernels


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--arch", required=True)
    parser.add_argument("--ptxas", default="ptxas")
    parser.add_argument("--max-registers", type=int, default=255)
    parser.add_argument("--per-kernel", action="store_true")
    args = parser.parse_args()

    files = sorted(os.path.join(args.dir, f) for f in os.listdir(args.dir)
                   if f.endswith(".ptx"))
    if not files:
        print("ptxas-check: error: no .ptx files in " + args.dir)
        return 1
    failed, kernels = [], {}
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        for path, rc, output in pool.map(
                lambda f: assemble(args.ptxas, args.arch, f), files):
            if rc != 0:
                failed.append((path, output.strip().splitlines()[-1:]))
            for name, k in parse(output).items():
                kernels[os.path.basename(path)[:-4] + ":" + name] = k
    spills = [n for n, k in kernels.items()
              if k["spill_stores"] or k["spill_loads"]]
    local = [n for n, k in kernels.items() if k["stack"]]
    over = [n for n, k in kernels.items()
            if k["registers"] > args.max_registers]
    heaviest = max(kernels.items(), key=lambda kv: kv[1]["registers"],
                   default=("-", {"registers": 0}))
    if args.per_kernel:
        for name, k in sorted(kernels.items()):
            print("{}: {} registers, {} bytes shared, {} bytes stack".format(
                name, k["registers"], k["shared"], k["stack"]))
    print("ptxas {}: {} files, {} kernels, {} failed, {} with spills, {} with "
          "local memory, {} over {} registers; most registers: {} ({})".format(
              args.arch, len(files), len(kernels), len(failed), len(spills),
              len(local), len(over), args.max_registers,
              heaviest[1]["registers"], heaviest[0]))
    for path, last in failed:
        print("ptxas-check: error: {}: {}".format(path, " ".join(last)))
    return 1 if failed or spills or local or over else 0


if __name__ == "__main__":
    sys.exit(main())
