#!/usr/bin/env bash
# Packs into one folder what `npm run bench` needs on a Linux x86-64 machine with an NVIDIA GPU and
# no network: this Node binary, the `webgpu` package with only its linux-x64 dawn.node, the built
# bench bundle and its drivers, the conformance bundle and its runner (run.sh checks the adapter first), the Fashion-MNIST training files, Debian's Vulkan loader (libvulkan1,
# unpacked with dpkg -x) and run.sh. Needs `npm run build` first; apt-get download needs Debian's
# package lists (apt-get update). Usage: bash scripts/gpu-bench/pack.sh [DEST] (default scratch/gpu-bench)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
dest="$(mkdir -p "${1:-$repo/scratch/gpu-bench}" && cd "${1:-$repo/scratch/gpu-bench}" && pwd)"
data_dir=/usr/share/datasets/fashion-mnist

for f in dist/bench.js dist/conformance.js bench/run.mjs scripts/bench.mjs test/runners/run.mjs node_modules/webgpu/dist/linux-x64/dawn.node; do
  [[ -f "$repo/$f" ]] || { echo "gpu-bench pack: $repo/$f is missing; run npm install and npm run build first." >&2; exit 1; }
done
rm -rf "$dest/app" "$dest/vulkan" "$dest/node"
mkdir -p "$dest/app/dist" "$dest/app/bench" "$dest/app/scripts" "$dest/app/test/runners" "$dest/app/node_modules/webgpu/dist" "$dest/app/data/fashion-mnist" "$dest/vulkan"

# Node (the binary running this build) and the bundle with what it imports at run time.
cp "$(node -p process.execPath)" "$dest/node"
cp "$repo/dist/bench.js" "$repo/dist/bench.js.map" "$repo/dist/conformance.js" "$dest/app/dist/"
cp "$repo/test/runners/run.mjs" "$repo/test/runners/variants.mjs" "$dest/app/test/runners/"
cp "$repo/bench/run.mjs" "$dest/app/bench/"
cp "$repo/scripts/bench.mjs" "$dest/app/scripts/"
echo '{ "name": "ntk-at-gpu-bench", "private": true, "type": "module" }' > "$dest/app/package.json"
cp "$repo/node_modules/webgpu/"{index.js,package.json,LICENSE.md} "$dest/app/node_modules/webgpu/"
cp -r "$repo/node_modules/webgpu/dist/linux-x64" "$dest/app/node_modules/webgpu/dist/"
cp -r "$repo/node_modules/comlink" "$dest/app/node_modules/"
cp "$data_dir/train-images-idx3-ubyte.gz" "$data_dir/train-labels-idx1-ubyte.gz" "$dest/app/data/fashion-mnist/"

# The Vulkan loader (NVIDIA's ICD comes with the driver on the GPU machine).
deb_dir="$(mktemp -d)"
(cd "$deb_dir" && apt-get download -q -o APT::Sandbox::User=root libvulkan1 >/dev/null)
dpkg -x "$deb_dir"/libvulkan1_*.deb "$dest/vulkan"
basename "$deb_dir"/libvulkan1_*.deb > "$dest/vulkan/DEB"
rm -rf "$deb_dir"

cp "$repo/scripts/gpu-bench/run.sh" "$repo/scripts/gpu-bench/README.md" "$dest/"
chmod +x "$dest/run.sh" "$dest/node"
commit="$(git -C "$repo" rev-parse --short HEAD)"
[[ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ]] || commit="$commit (with uncommitted changes)"
echo "$commit" > "$dest/COMMIT"
echo "gpu-bench: packed commit $commit into $dest ($(du -sh "$dest" | cut -f1)); run it there with ./run.sh [OUT_DIR]"
