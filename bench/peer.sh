#!/usr/bin/env bash
# fnlab vs ONNX Runtime on this machine, in one run: FasterNet-T0 with each
# mixer, batch 1 at 224x224, 1 and 2 threads. Prints a Markdown table with
# the machine line; fnlab and ORT runs alternate so drift hits both alike.
#
# usage: bench/peer.sh [PEER_DIR]   (PEER_DIR holds t0.onnx, t0_conv.onnx,
#        t0_dwconv.onnx, t0_gconv.onnx; default: ../shared/peers)
# env:   RUNS (default 200), WARMUP (default 10), THREADS (default "1 2")
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
peers=${1:-$top/../shared/peers}
runs=${RUNS:-200}
warmup=${WARMUP:-10}
threads_list=${THREADS:-"1 2"}
ort_dir="$here/.ort"

if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  echo "installing onnxruntime-node 1.30.0 into $ort_dir (once)" >&2
  mkdir -p "$ort_dir"
  # --ignore-scripts: the install script only fetches optional GPU binaries.
  npm install --silent --ignore-scripts --no-audit --no-fund --prefix "$ort_dir" onnxruntime-node@1.30.0 >&2
fi
cp "$here/ort_time.mjs" "$ort_dir/ort_time.mjs"

fnlab="$here/.fnlab"
(cd "$top" && go build -o "$fnlab" ./cmd/fnlab)

machine=$("$fnlab" bench t0 --runs 1 --warmup 0 --format json | python3 -c '
import json, sys
m = json.load(sys.stdin)["machine"]
print("%s, %d cores, fnlab %s kernels, %s" % (m["cpu"], m["cores"], m["simd"], m["go"]))')
node_ver=$(node --version)
echo "Machine: $machine; ONNX Runtime 1.30.0 (node $node_ver); $(date -u +%Y-%m-%d); median of $runs runs after $warmup warm-up"
echo
echo "| model | threads | fnlab median ms (p10-p90) | ORT median ms (p10-p90) | fnlab / ORT |"
echo "|---|---|---|---|---|"
for spec in t0 t0_conv t0_dwconv t0_gconv; do
  onnx="$peers/$spec.onnx"
  [ -f "$onnx" ] || { echo "missing $onnx" >&2; exit 1; }
  for t in $threads_list; do
    f=$("$fnlab" bench "$spec" --threads "$t" --runs "$runs" --warmup "$warmup" --format json)
    o=$(node "$ort_dir/ort_time.mjs" "$onnx" --threads "$t" --runs "$runs" --warmup "$warmup")
    python3 - "$spec" "$t" "$f" "$o" <<'PY'
import json, sys
spec, t, f, o = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
print(f"| {spec} | {t} | {f['median_ms']:.2f} ({f['p10_ms']:.2f}-{f['p90_ms']:.2f}) | "
      f"{o['median_ms']:.2f} ({o['p10_ms']:.2f}-{o['p90_ms']:.2f}) | {f['median_ms']/o['median_ms']:.2f} |")
PY
  done
done
