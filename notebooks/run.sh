#!/usr/bin/env bash
# notebooks/run.sh [OUTDIR]: install what the notebooks need if it is
# missing (Debian's Jupyter, GoNB and goimports, the GoNB kernel), execute
# every notebook headless and write the executed copies to OUTDIR (default:
# in place, which is how the committed outputs are made). One line per
# notebook with its time; exit status 1 if any cell errors or a notebook
# shows no chart (or a cell that runs code shows nothing).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-}"
# A cell's budget: the slowest cell (the mixer ablation) takes about 30 s
# on 2 idle cores; a busy machine gets ten times that before a run fails.
timeout="${FNLAB_NB_TIMEOUT:-300}"
bin="${XDG_CACHE_HOME:-$HOME/.cache}/fnlab-notebooks/bin"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT

quiet() { # run "$@" showing its output only if it fails
  if ! "$@" >"$log/step" 2>&1; then
    echo "notebooks/run.sh: failed: $*" >&2
    cat "$log/step" >&2
    exit 1
  fi
}

# Jupyter from Debian: /usr/bin/jupyter on Debian's Python (a Python of
# another installation on PATH does not have these modules).
if ! /usr/bin/jupyter nbconvert --version >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import nbclient, jupyter_client' 2>/dev/null; then
  quiet apt-get update -q
  quiet env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-core jupyter-client
fi

# GoNB and goimports at the versions tools/go.mod pins (a tools module:
# `go install github.com/janpfeifer/gonb@v0.11.4` needs the module proxy's
# version list, which it refuses). Reinstalled when tools/go.sum changes.
stamp="$bin/.tools.sum"
if [ ! -x "$bin/gonb" ] || [ ! -x "$bin/goimports" ] || ! cmp -s "$here/tools/go.sum" "$stamp"; then
  mkdir -p "$bin"
  quiet env -C "$here/tools" GOBIN="$bin" go install tool
  cp "$here/tools/go.sum" "$stamp"
fi
export PATH="$bin:$PATH" # GoNB runs goimports from PATH

# The kernel spec, pointing at this binary (--force_deps: gopls, for
# editor completion, is not needed to execute).
spec="$(/usr/bin/jupyter --data-dir)/kernels/gonb/kernel.json"
if ! grep -qF "\"$bin/gonb\"" "$spec" 2>/dev/null; then
  quiet env -C "$log" gonb --install --force_deps
fi

if [ -n "$out" ]; then
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
  where=(--output-dir "$out")
else
  where=(--inplace)
fi

status=0 passed=0 failed=0
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
total_start=$(date +%s.%N)
for nb in "$here"/[0-9]*.ipynb; do
  name="$(basename "$nb")"
  executed="$nb"
  [ -n "$out" ] && executed="$out/$name"
  start=$(date +%s.%N)
  # --allow-errors: run every cell and keep the outputs, so that the check
  # below can show a failing cell's own message (a Go panic is a stderr
  # output of the cell, which nbconvert's error report leaves out).
  # record_timing=False: no timestamps in the cells, so that a rerun of
  # a notebook that measures nothing changes nothing.
  result=ok
  if ! /usr/bin/jupyter nbconvert --to notebook --execute --allow-errors --ExecutePreprocessor.timeout="$timeout" --ExecutePreprocessor.record_timing=False \
    --ExecutePreprocessor.kernel_name=gonb "${where[@]}" "$nb" >"$log/$name.log" 2>&1; then
    result=FAILED # a timeout or a dead kernel
    grep -v '^[IWE][0-9]\{4\} ' "$log/$name.log" | tail -n 20 >"$log/$name.why"
  elif ! /usr/bin/python3 - "$executed" >"$log/$name.why" 2>&1 <<'EOF'
import json, sys
nb = json.load(open(sys.argv[1]))
charts, bad = 0, []
for i, c in enumerate(nb["cells"]):
    outs = c.get("outputs", []) if c["cell_type"] == "code" else []
    charts += sum("image/png" in o.get("data", {}) for o in outs)
    src = "".join(c["source"]) if c["cell_type"] == "code" else ""
    # A cell with a main body (%%) that shows nothing lost its output.
    if "%%" in src.split("\n") and not outs:
        bad.append("cell %d: no output" % i)
    elif any(o["output_type"] == "error" for o in outs):
        text = "".join("".join(o["text"]) for o in outs if o.get("name") == "stderr")
        err = [o for o in outs if o["output_type"] == "error"][0]
        bad.append("cell %d: %s%s: %s" % (i, text, err["ename"], err["evalue"]))
if bad or not charts:
    sys.exit("\n".join(bad + ["%d failing cells, %d charts" % (len(bad), charts)]))
EOF
  then
    result=FAILED
  fi
  printf '%-32s %-6s %6s s\n' "$name" "$result" "$(since "$start")"
  if [ "$result" = ok ]; then
    passed=$((passed + 1))
  else
    status=1 failed=$((failed + 1))
    cat "$log/$name.why" >&2
  fi
done
printf '%-32s %-6s %6s s\n' "all notebooks" "" "$(since "$total_start")"
echo "notebooks: $passed passed, $failed failed"
exit $status
