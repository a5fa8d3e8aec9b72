#!/usr/bin/env bash
# Reproduce every checkpoint shipped in checkpoints/, then evaluate them.
#   bash scripts/train_shipped.sh [DATA_DIR]     (DATA_DIR holds fashion-mnist/ and mnist-5k/ IDX folders)
# Each run checkpoints every epoch under runs/NAME; re-running resumes where it stopped.
# Two lanes run side by side, one thread each: on 2 CPU cores that trains faster than one lane on both.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-${PLAYGROUND_DATA:-/usr/share/datasets}}
train() { OMP_NUM_THREADS=1 python -m playground.train "$@" --data-dir "$DATA" --export-dir checkpoints --resume; }
INFOGAN=(--lr-g 1e-3 --real-info-weight 1.0)  # the paper's faster generator; Q also clusters real images (IMSAT)
CGAN=(--aux-weight 1.0)  # AC-GAN's auxiliary classifier beside the projection discriminator

train judge --dataset fashion-mnist --epochs 12
train judge --dataset mnist --epochs 40 --batch-size 64
(
  train cgan --dataset mnist --split all --epochs 150 --batch-size 64 "${CGAN[@]}"
  train cgan --dataset fashion-mnist --epochs 20 "${CGAN[@]}"
  train dcgan --dataset fashion-mnist --epochs 20
) &
(
  train infogan --dataset mnist --split all --epochs 200 --batch-size 64 "${INFOGAN[@]}"
  train infogan --dataset fashion-mnist --epochs 30 "${INFOGAN[@]}"
  train gan --dataset fashion-mnist --epochs 20
) &
wait
python -m playground.evaluate --data-dir "$DATA"
