#!/bin/bash
# calibration (b): clean training with kernel tracking in the kernel-warmup default setting (the switch never fires: tau 1, cap 1)
common="--dataset fashion-mnist --train-size 1000 --val-size 100 --test-size 300 --threats clean,fgsm,pgd20 --log-every 4 --model mlp --hidden 256,128 --normalize on --epochs 4 --eps 0.1 --lr 0.05 --schedule piecewise --pgd-steps 3 --pgd-step-factor 0.5 --probe-per-class 3 --ntk on --ntk-attack pgd"
nice -n 5 node dist/cli.js train $common --seed 0 --method pgd --switch kernel --switch-tau 1 --switch-cap 1 --out runs/calib/c-clean-seed0 > runs/calib/c-clean-seed0.out 2>&1
