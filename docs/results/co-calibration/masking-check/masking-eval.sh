#!/usr/bin/env bash
# Gradient-masking check: evaluate co-calibration CNN checkpoints (commit edf08fe) with FGSM, PGD-20 and
# AutoAttack-lite (APGD-CE and targeted APGD-DLR, 25 steps each) on the runs' 1,000 test images.
# Arguments: run directories holding checkpoint.safetensors.
cd /work/grid2
M=/work/grid-runs/masking/eval
mkdir -p $M
for dir in "$@"; do
  name=$(echo "$dir" | sed 's|/work/grid-runs/||; s|/seed1000||; s|/|_|g')
  echo "$(date -u +%FT%TZ) evaluate $dir" >> $M/commands.txt
  start=$(date +%s)
  nice -n 10 node dist/cli.js evaluate --checkpoint $dir/checkpoint.safetensors --threats clean,fgsm,pgd20,autoattack-lite --json > $M/$name.json 2> $M/$name.stderr.txt
  echo "$(date -u +%FT%TZ) evaluate $dir: exit $? in $(( $(date +%s) - start )) s" >> $M/commands.txt
done
