#!/usr/bin/env bash
# The test command: setup, build, then every suite (vitest unit tests in Node; the conformance
# suite in Node, Deno and headless Chromium; the cross-runtime comparison; the live page in headless
# Chromium; the hostile-input suite; the examples against the packed tarball; the type check; the formatter
# and linter) and one
# closing line `N passed, N failed, N skipped` summing them all.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
npm run build --silent || { echo "build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

rm -rf test-results && mkdir -p test-results
step() { echo; echo "== $1"; }

step "typecheck (tsc --noEmit over src/ and test/)"
node scripts/typecheck.mjs
step "format and lint (biome ci, biome.json)"
node scripts/lint.mjs
step "unit tests (vitest, Node)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
step "conformance in Node"
node test/runners/run.mjs
# SwiftShader (Dawn's Vulkan path: another compiler, no loop cap) runs every program-variant case; it
# took 22 min on the 2-core machine (compiling each pipeline takes seconds there), so only on request.
if [ "${NTK_AT_TEST_SWIFTSHADER:-0}" = 1 ]; then
  step "conformance in Node on SwiftShader: every program variant"
  node test/runners/run.mjs --adapter swiftshader --variants-only
fi
step "conformance in Deno"
node_modules/.bin/deno run --allow-read --allow-env --allow-write=test-results,"${XDG_CACHE_HOME:-$HOME/.cache}/ntk-at" test/runners/run.mjs
step "conformance in headless Chromium (page and module Worker)"
node test/runners/chromium.mjs
step "cross-runtime agreement"
node scripts/compare-runtimes.mjs
step "live page in headless Chromium"
node test/runners/live-page.mjs
step "hostile-input suite (CLI, files, kill and resume, worker API in Node)"
npx vitest run --config vitest.hostile.config.ts --reporter=default --reporter=json --outputFile.json=test-results/hostile.json
step "hostile worker cases in headless Chromium"
node test/runners/hostile-browser.mjs
step "Gpu lifecycle stress in Node (50 create/train/NTK/destroy cycles over every adapter, destroys in flight)"
timeout 600 node test/stress/lifecycle.mjs
step "Gpu lifecycle stress in Deno"
timeout 600 node_modules/.bin/deno run --allow-read --allow-env --allow-write=test-results test/stress/lifecycle.mjs
step "examples against the packed tarball (npm pack, fresh project: Node, CLI, Python, Deno, Chromium)"
node scripts/examples.mjs
step "experiments as a Slurm job array (a real single-node Slurm)"
bash scripts/test-slurm.sh
step "summary"
node scripts/summarize.mjs
