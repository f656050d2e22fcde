#!/usr/bin/env bash
# The main job: set up (idempotent), build, and run the ntk-at demo in Node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent
node dist/cli.js info
node dist/cli.js check --size 512
