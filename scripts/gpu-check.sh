#!/usr/bin/env bash
# The GPU check, in two steps (docs/gpu.md):
#
#   scripts/gpu-check.sh prepare BUNDLE [--quick] [--bin DIR] [--chip sm_NN] [--cc CC]
#       on a build machine: compile every GPU case and benchmark kernel,
#       compute the expected results on the CPU, and put them with the
#       runner's sources into BUNDLE (well under 64 MiB).
#   scripts/gpu-check.sh run BUNDLE
#       on the GPU machine (CUDA driver; a C++ compiler if there is one):
#       build the runner from the bundle's sources (else use the prebuilt
#       one), run every case against its expected results and time its
#       kernels; one table. Exit status: 0 all match, 1 a mismatch or
#       error, 77 no CUDA driver or GPU (nothing ran).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 1; }
[ $# -ge 2 ] || usage
command="$1"; bundle="$2"; shift 2

case "$command" in
  prepare)
    exec /usr/bin/python3 "$here/gpu_check_prepare.py" "$bundle" "$@" ;;
  run)
    [ -f "$bundle/manifest.txt" ] || {
      echo "gpu-check: error: $bundle/manifest.txt not found (run prepare)" >&2
      exit 1; }
    runner="$bundle/lowbit-gpu-runner.prebuilt"
    cxx="$(command -v c++ || command -v g++ || command -v clang++ || true)"
    if [ -n "$cxx" ]; then
      built="$(mktemp -d)/lowbit-gpu-runner"
      if "$cxx" -O2 -std=c++17 -I "$bundle/runner" \
           "$bundle/runner/lowbit-gpu-runner.cpp" \
           "$bundle/runner/CUDARuntime.cpp" -ldl -rdynamic -o "$built" \
           2>"$built.log"; then
        runner="$built"
      else
        echo "gpu-check: building the runner failed (using the prebuilt one):" >&2
        cat "$built.log" >&2
      fi
    fi
    exec "$runner" "$bundle/manifest.txt" ;;
  *) usage ;;
esac
