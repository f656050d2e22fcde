#!/usr/bin/env bash
# Retrain (same recipe, same commit edf08fe) the co-calibration CNN runs whose checkpoints were lost with the
# previous machine, so that their models can be evaluated with stronger attacks (gradient-masking check).
cd /work/grid2
M=/work/grid-runs/masking
for id in "$@"; do
  args=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).args.join(" "))' /work/grid-runs/co-calibration/$id/seed1000/run.json)
  mkdir -p $M/$id
  echo "$(date -u +%FT%TZ) retrain $id: train $args" >> $M/commands.txt
  nice -n 10 node dist/cli.js train $args --out $M/$id > $M/$id/output.txt 2>&1
done

echo "$(date -u +%FT%TZ) retrain done" >> $M/commands.txt
