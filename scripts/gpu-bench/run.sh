#!/usr/bin/env bash
# Runs ntk-at's benchmarks from this folder (made by scripts/gpu-bench/pack.sh) on the real GPU
# adapter, offline: the side-by-side cases (peers absent here, so ours only) and the our-stack-only
# benchmarks. Results go to $1, else $OUT, else ./results. NTK_AT_ADAPTER picks another adapter
# (default gpu; e.g. llvmpipe to try the folder on a machine without a GPU). Extra arguments after
# the output folder go to scripts/bench.mjs (e.g. --quick, --filter ntk).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-${OUT:-$here/results}}"
shift || true
mkdir -p "$out"
out="$(cd "$out" && pwd)"
export NTK_AT_ADAPTER="${NTK_AT_ADAPTER:-gpu}"
export NTK_AT_COMMIT="$(cat "$here/COMMIT")"
export LD_LIBRARY_PATH="$here/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
node="$here/node"
cd "$here/app"

# NVIDIA's Vulkan driver is its libGLX_nvidia; containers given only the compute libraries may lack
# the ICD manifest that points the loader at it: write one if the library is there but no manifest.
if [[ -z "${VK_ICD_FILENAMES:-}" ]] && ! ls /etc/vulkan/icd.d/nvidia*.json /usr/share/vulkan/icd.d/nvidia*.json >/dev/null 2>&1; then
  if ldconfig -p 2>/dev/null | grep -q 'libGLX_nvidia.so.0'; then
    echo '{ "file_format_version": "1.0.0", "ICD": { "library_path": "libGLX_nvidia.so.0", "api_version": "1.3" } }' > "$out/nvidia_icd.json"
    export VK_ICD_FILENAMES="$out/nvidia_icd.json"
    echo "run.sh: no NVIDIA ICD manifest found; using $VK_ICD_FILENAMES (libGLX_nvidia.so.0)"
  fi
fi

{
  echo "date: $(date -u +%FT%TZ)"; echo "commit: $NTK_AT_COMMIT"; echo "adapter choice: $NTK_AT_ADAPTER"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) x $(nproc)"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  echo "vulkan loader: $(cat "$here/vulkan/DEB")"
} | tee "$out/machine.txt"

# One small case first: it names the adapter, or fails with the adapter error and nothing else runs.
if ! "$node" bench/run.mjs --case '{"kind":"matmul","m":64,"k":64,"n":64,"inner":1,"repeats":2,"minRuns":1,"budgetS":5}' >"$out/adapter-check.json" 2>"$out/adapter-check.log"; then
  grep -m1 '^error: \[E_' "$out/adapter-check.log" >&2 || tail -5 "$out/adapter-check.log" >&2
  echo "run.sh: no usable \"$NTK_AT_ADAPTER\" adapter here (log: $out/adapter-check.log); nothing benchmarked." >&2
  exit 2
fi
"$node" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log("adapter:", r.adapterLine)' "$out/adapter-check.json" | tee -a "$out/machine.txt"

# The conformance suite on this adapter (every program variant forced, and the measured choice): a
# failing adapter is not benchmarked. The cache of the program choice goes to the output folder.
export NTK_AT_CACHE_DIR="${NTK_AT_CACHE_DIR:-$out/cache}"
rm -rf test-results
if ! "$node" test/runners/run.mjs >"$out/conformance.txt" 2>"$out/conformance.log"; then
  cp test-results/node.json "$out/conformance.json" 2>/dev/null
  grep -E '^  failed|conformance:' "$out/conformance.txt" | head -20 >&2
  echo "run.sh: the conformance suite fails on this adapter (see $out/conformance.txt); refusing to benchmark it." >&2
  exit 3
fi
cp test-results/node.json "$out/conformance.json"
grep -E '^\[node\] ' "$out/conformance.txt" | tee -a "$out/machine.txt"

status=0
"$node" scripts/bench.mjs --runtime node --data "$here/app/data/fashion-mnist" --out "$out" "$@" 2>"$out/compare.log" | tee "$out/compare.txt" || status=1
"$node" scripts/bench.mjs --extras --runtime node --out "$out" "$@" 2>"$out/extras.log" | tee "$out/extras.txt" || status=1
"$node" scripts/bench.mjs --profile --runtime node --data "$here/app/data/fashion-mnist" --out "$out" "$@" 2>"$out/profile.log" | tee "$out/profile.txt" || status=1
echo "run.sh: results in $out"
exit $status
