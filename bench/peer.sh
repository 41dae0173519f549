#!/usr/bin/env bash
# fnlab against ONNX Runtime on this machine, in one run: every preset (t0,
# t1, t2, s, m, l) and the four T0 mixers at batch 1 and 8, 1 and 2 threads,
# then the paper's Table 1 stacks (conv, gconv, dwconv, pconv at 4 sizes).
# Both runtimes run the same model (fnlab export / ops --export-onnx); runs
# alternate. First, ORT on fnlab's t0 export is checked against ORT on
# PyTorch's own export (PEER_DIR/t0.onnx) so the export cannot flatter fnlab.
# Prints Markdown tables with the machine line; see peer.py for the knobs.
#
# usage: bench/peer.sh [PEER_DIR]   (default: ../shared/peers beside the checkout)
# env:   MODELS, BATCHES ("1 8"), THREADS ("1 2"), OPS, SIZES, ROUNDS (3), CLOSE (0.05), EXTRA (3),
#        BUDGET (seconds per side and round, 2), RUNS (200), MIN_RUNS (10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
peers=${1:-$top/../shared/peers}
ort_dir="$top/tools/ort"

if [ ! -f "$ort_dir/node_modules/onnxruntime-node/package.json" ]; then
  echo "installing onnxruntime-node into $ort_dir (once)" >&2
  # --ignore-scripts: the install script only fetches optional GPU files.
  (cd "$ort_dir" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --silent --ignore-scripts --no-audit --no-fund >&2)
fi
fnlab="$here/.fnlab"
(cd "$top" && go build -o "$fnlab" ./cmd/fnlab)
work="$here/out/peer"
mkdir -p "$work"
exec python3 "$here/peer.py" "$fnlab" "$ort_dir" "$peers" "$work"
