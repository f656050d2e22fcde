#!/usr/bin/env bash
# Installs the peers that `npm run bench` compares with; none is a dependency of ntk-at, and the
# bench skips any that is missing. Debian's PyTorch (with functorch), numpy/scipy on OpenBLAS and
# threadpoolctl by apt-get (needs root), and TF.js 4.22.0 with its wasm backend by npm into
# bench/peers/node_modules (git-ignored). Usage: bash scripts/install-peers.sh [--no-apt]
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3-torch python3-numpy python3-scipy python3-threadpoolctl)
if [[ "${1:-}" != "--no-apt" ]]; then
  if [[ "$(id -u)" == 0 ]]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${APT_PACKAGES[@]}"
  else
    echo "install-peers: not root; run: sudo apt-get install -y ${APT_PACKAGES[*]}" >&2
  fi
fi

# Exact versions from bench/peers/package.json; no lock file, nothing added to the project's own.
npm install --prefix bench/peers --no-package-lock --no-audit --no-fund --loglevel=error
node -e "for (const p of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm']) console.log(p, JSON.parse(require('fs').readFileSync('bench/peers/node_modules/' + p + '/package.json')).version)"
/usr/bin/python3 -c "import torch, functorch, numpy, scipy, threadpoolctl; print('torch', torch.__version__, 'numpy', numpy.__version__, 'scipy', scipy.__version__)"
