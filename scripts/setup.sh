#!/usr/bin/env bash
# Idempotent setup: Debian packages for the software WebGPU adapters, headless Chromium and the
# Fashion-MNIST dataset (when run as root on Debian; skipped with a message elsewhere), then the
# npm dependencies from package-lock.json (skipped when node_modules already matches the lock).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES="chromium libvulkan1 mesa-vulkan-drivers libegl1 libegl-mesa0 libgl1-mesa-dri dataset-fashion-mnist"

if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
  missing=""
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends $missing || { apt-get update && apt-get install -y --no-install-recommends $missing; }
  else
    echo "setup: Debian packages present"
  fi
else
  echo "setup: not root on Debian; skipping system packages. Install yourself: $PACKAGES"
fi

# npm ci only when node_modules does not match package-lock.json.
if [ -f node_modules/.ntk-at-lock ] && cmp -s package-lock.json node_modules/.ntk-at-lock; then
  echo "setup: node_modules up to date"
else
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.ntk-at-lock
fi
