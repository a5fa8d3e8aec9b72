#!/usr/bin/env bash
# Reproduce every checkpoint shipped in checkpoints/, then evaluate them.
#   bash scripts/train_shipped.sh [DATA_DIR]     (DATA_DIR holds fashion-mnist/ and mnist-5k/ IDX folders)
# Each run checkpoints every epoch under runs/NAME; re-running resumes where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-${PLAYGROUND_DATA:-/usr/share/datasets}}
train() { python -m playground.train "$@" --data-dir "$DATA" --export-dir checkpoints --resume; }

train judge --dataset fashion-mnist --epochs 12
train judge --dataset mnist --epochs 40 --batch-size 64
train infogan --dataset mnist --split all --epochs 150 --batch-size 64
train cgan --dataset mnist --split all --epochs 100 --batch-size 64
train infogan --dataset fashion-mnist --epochs 30
train cgan --dataset fashion-mnist --epochs 25
train dcgan --dataset fashion-mnist --epochs 25
train gan --dataset fashion-mnist --epochs 30
python -m playground.evaluate --data-dir "$DATA"
