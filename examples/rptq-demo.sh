#!/usr/bin/env bash
# RPTQ end to end on a real model when ../shared/models is there (llama2.c
# stories260K), otherwise on the project's own OPT-style generator:
#   import -> observers -> calibration by execution -> k-means plan -> fold,
# then the folded model is executed and compared with the original.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build}
PY=/usr/bin/python3
export PYTHONPATH=$PWD/$BUILD/python
OPT=$BUILD/bin/quant-opt
RUN=$BUILD/bin/quant-run
CAL=$BUILD/bin/quant-calibrate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/calib"
S=16

if [ -f ../shared/models/stories260K.bin ]; then
  echo "== model: stories260K (llama2.c checkpoint, real weights), $S tokens"
  $PY -m lowbit.frontends.llama2c ../shared/models/stories260K.bin \
    -o "$work/model.mlir" --seq-len $S
  # Calibration and evaluation inputs: token ids (fixed seeds).
  $PY - "$work" $S <<'PYEOF'
import sys, numpy as np
work, s = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
for i in range(8):
    np.save(f"{work}/calib/sample{i:02d}.npy", rng.integers(1, 512, s, dtype=np.int32))
np.save(f"{work}/eval.npy", rng.integers(1, 512, s, dtype=np.int32))
PYEOF
  CLUSTERS="clusters=8 head-clusters=2"
else
  echo "== model: OPT-style generator (2 layers, hidden 64, 4 heads; ../shared/models absent)"
  $PY -m lowbit.frontends.opt --layers 2 --hidden 64 --heads 4 --ffn 256 \
    --seq-len $S --seed 0 -o "$work/model.mlir"
  $PY - "$work" $S <<'PYEOF'
import sys, numpy as np
work, s = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
for i in range(8):
    np.save(f"{work}/calib/sample{i:02d}.npy", rng.normal(0, 1, (s, 64)).astype(np.float32))
np.save(f"{work}/eval.npy", rng.normal(0, 1, (s, 64)).astype(np.float32))
PYEOF
  CLUSTERS="clusters=8 head-clusters=2"
fi

echo
echo "== observers (lowbit-insert-observers)"
$OPT "$work/model.mlir" --lowbit-insert-observers -o "$work/observed.mlir"
grep -o 'lowbit.observe "[^"]*"' "$work/observed.mlir" | sed 's/lowbit.observe /  /' | head -12
echo "  ... $(grep -c 'lowbit.observe' "$work/observed.mlir") observers"

echo
echo "== calibration by execution (quant-calibrate, 8 samples)"
$CAL "$work/observed.mlir" --entry forward --data "$work/calib" --out "$work/stats.json"
$PY - "$work/stats.json" <<'PYEOF'
import json, sys
import numpy as np
stats = json.load(open(sys.argv[1]))
print(f"  {len(stats['observers'])} observers, {stats.get('samples', '?')} samples; per-channel range spread:")
for name, entry in list(stats["observers"].items())[:6]:
    width = np.array(entry["max"]) - np.array(entry["min"])
    print(f"  {name:40s} channels {len(width):4d}  range width median {np.median(width):8.3f}  max {width.max():8.3f}")
PYEOF

echo
echo "== plan (k-means on [max, min]) and fold (lowbit-rptq-reorder: $CLUSTERS)"
$OPT "$work/observed.mlir" \
  --lowbit-rptq-reorder="stats=$work/stats.json $CLUSTERS report=$work/report.txt" \
  -mlir-print-op-on-diagnostic=false -o "$work/folded.mlir" 2> "$work/remarks.txt"
grep "clusters" "$work/remarks.txt" | sed 's/^.*remark: /  /' | head -8
echo
echo "  where each reorder went:"
sed 's/^/  /' "$work/report.txt" | head -40
echo "  standalone lowbit.reorder ops left: $(grep -c 'lowbit.reorder' "$work/folded.mlir" || true)"

echo
echo "== the folded model computes the same function (quant-run, fp32)"
$RUN "$work/model.mlir" --entry forward --input "$work/eval.npy" --output-dir "$work/before"
$RUN "$work/folded.mlir" --entry forward --input "$work/eval.npy" --output-dir "$work/after"
$PY - "$work" <<'PYEOF'
import sys, numpy as np
a = np.load(f"{sys.argv[1]}/before/result0.npy")
b = np.load(f"{sys.argv[1]}/after/result0.npy")
print(f"  max |original - folded| / max |original| = {np.max(np.abs(a - b)) / np.max(np.abs(a)):.2e}")
PYEOF
