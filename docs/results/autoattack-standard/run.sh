#!/usr/bin/env bash
# The evaluations of docs/results/autoattack-standard/README.md: for one checkpoint, PGD-20,
# autoattack-lite and autoattack (standard, a cascade) on the same 1,000 test images (the runs'
# test sets: the first 100 per class of Fashion-MNIST test), seed 0, batch size 1000.
# Usage: bash docs/results/autoattack-standard/run.sh <model-name> <checkpoint>
set -euo pipefail
name=$1
checkpoint=$2
out=docs/results/autoattack-standard
for threats in clean,pgd20 autoattack-lite autoattack; do
  log=$out/$name-$threats
  rm -f "$log.jsonl"
  /usr/bin/time -v node dist/cli.js evaluate --checkpoint "$checkpoint" --threats "$threats" --test-size 1000 --batch-size 1000 --seed 0 \
    --log "$log.jsonl" > "$log.out" 2> "$log.err"
done
