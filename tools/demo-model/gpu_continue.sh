#!/usr/bin/env bash
# Continue a gpu_run.sh recipe on a fresh GPU machine: unpack its weights, regenerate the same data, train the
# U-Net further (fresh optimizer, lower LR), retrain the hypernetworks on it, score and pack.
# Usage: tools/demo-model/gpu_continue.sh PACK_DIR OUTDIR UNET_SECONDS BATCH LR
set -euo pipefail
PACK=$1; OUTDIR=$2; UNET_S=$3; BATCH=${4:-256}; LR=${5:-6e-4}
B=tools/demo-model/build.py; W=/tmp/demo-gpu-c
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=4 DEMO_CLIP_DIR=${DEMO_CLIP_DIR:-$PWD/.clip}
rm -rf $W; mkdir -p $W/w "$OUTDIR"
python3 $B --device cuda --work $W/w --out $W/o --score-out $W --pack "$PACK" --data-mult 2 \
  --stages unpack,data,encode >"$OUTDIR/c0.log" 2>&1 || { tail -30 "$OUTDIR/c0.log"; exit 1; }
cp $W/w/unet.pt $W/init.pt
python3 $B --device cuda --work $W/w --out $W/o --score-out $W --stages unet,hn,score,pack --pack $W/pack \
  --init-unet $W/init.pt --budget unet=$UNET_S,hn=25 --steps unet=1000000,hn=100000 --batch unet=$BATCH \
  --lr unet=$LR >"$OUTDIR/c1.log" 2>&1 || { tail -30 "$OUTDIR/c1.log"; exit 1; }
tar cf "$OUTDIR/C.tar" --exclude vae.npz -C $W pack scores.json samples.png
grep -h "continuing\|unet done\|hn .* done\|scores:" "$OUTDIR/c1.log" | cut -c1-300
