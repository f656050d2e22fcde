#!/bin/bash
while pgrep -f "runs/calib/a.sh" >/dev/null; do sleep 5; done
common="--dataset fashion-mnist --train-size 3000 --val-size 200 --test-size 500 --model mlp --hidden 256,128 --epochs 5 --batch-size 128 --lr 0.1 --schedule cyclic --seed 0 --threats clean,fgsm,pgd20"
for eps in 0.3 0.25; do
  m=fgsm; nice -n 5 node dist/cli.js train $common --eps $eps --method $m --out runs/calib/b-$m-$eps > runs/calib/b-$m-$eps.out 2>&1
done
