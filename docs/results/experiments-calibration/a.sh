#!/bin/bash
# calibration (a): FGSM vs PGD-AT at several radii, MLP, 2000 FMNIST images, 4 epochs, one seed
common="--dataset fashion-mnist --train-size 2000 --val-size 500 --test-size 500 --model mlp --hidden 256,128 --epochs 4 --batch-size 128 --lr 0.1 --schedule cyclic --seed 0 --threats clean,fgsm,pgd20"
for eps in 0.2 0.15; do
  for m in fgsm pgd; do
    nice -n 5 node dist/cli.js train $common --eps $eps --method $m --pgd-steps 7 --out runs/calib/a-$m-$eps > runs/calib/a-$m-$eps.out 2>&1
  done
done
