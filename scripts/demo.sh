#!/usr/bin/env bash
# The main job: adversarial training (PGD-AT) of an MLP on real Fashion-MNIST with live NTK tracking
# (clean and adversarial probe kernels), a final robust evaluation, and a report built from the
# run's log: runs/demo/report.html (and report.md, plots, log.jsonl, checkpoint).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent
node dist/cli.js info
node dist/cli.js train --dataset fashion-mnist --data-fallback synthetic-shapes --model mlp --hidden 256,128 --method pgd --pgd-steps 5 --eps 0.1 \
  --train-size 5000 --val-size 500 --test-size 1000 --epochs 4 --batch-size 128 --lr 0.05 --schedule piecewise \
  --ntk on --probe-per-class 10 --ntk-attack pgd --threats clean,fgsm,pgd20 --seed 0 --out runs/demo --overwrite "$@"
echo "report: runs/demo/report.html (also runs/demo/report.md)"
