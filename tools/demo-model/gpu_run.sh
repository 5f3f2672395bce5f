#!/usr/bin/env bash
# Train the demo pipeline on one CUDA GPU (the run behind the shipped files; see README "Training on a GPU").
# Usage: tools/demo-model/gpu_run.sh OUTDIR [UNET_SECONDS]
# Writes OUTDIR/{vae.tar,A.tar,B.tar,*.log}: two U-Net recipes trained side by side on the same data and VAE,
# each with its hypernetworks, scores and packed weights (npz + json). Back on the CPU machine:
#   tar xf A.tar -C /tmp/A && tar xf vae.tar -C /tmp/A/pack
#   build.py --stages unpack,export,ref,score --pack /tmp/A/pack
set -euo pipefail
OUTDIR=$1; UNET_S=${2:-270}
B=tools/demo-model/build.py; W=/tmp/demo-gpu
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=4 DEMO_CLIP_DIR=${DEMO_CLIP_DIR:-$PWD/.clip}  # .clip/ holds a copy of OpenAI CLIP's bpe_simple_vocab_16e6.txt.gz
rm -rf $W; mkdir -p $W "$OUTDIR"
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))'
# 1. smoke: every stage for a few seconds, so a broken run costs seconds, not the lease
python3 $B --device cuda --scale 0.02 --work $W/smoke --out $W/smoke/o --score-out $W/smoke \
  --stages data,vae,refine,unet,hn,score,pack --pack $W/smoke/pack --budget vae=2,refine=1,unet=3,hn=1 >"$OUTDIR/smoke.log" 2>&1 \
  || { tail -30 "$OUTDIR/smoke.log"; exit 1; }
echo "smoke ok"
# 2. data and VAE (with its decoder refiner), shared
python3 $B --device cuda --work $W/base --stages data,vae,refine --data-mult 2 --budget vae=40,refine=40 \
  --steps vae=100000,refine=100000 --batch vae=128 >"$OUTDIR/base.log" 2>&1 || { tail -30 "$OUTDIR/base.log"; exit 1; }
tail -2 "$OUTDIR/base.log"
# 3. two U-Net recipes at once (each is launch-bound; the GPU has room for both)
run() {  # name, extra args
  local v=$1; shift
  mkdir -p $W/$v; ln -sf $W/base/data.pt $W/base/vae.pt $W/$v/
  python3 $B --device cuda --work $W/$v --out $W/$v/o --score-out $W/$v --stages unet,hn,score,pack \
    --pack $W/$v/pack --budget unet=$UNET_S,hn=30 --steps unet=1000000,hn=100000 "$@" >"$OUTDIR/$v.log" 2>&1
  tar cf "$OUTDIR/$v.tar" --exclude vae.npz -C $W/$v pack scores.json samples.png
}
run A --batch unet=128 --lr unet=1e-3 &
run B --batch unet=256 --lr unet=1.5e-3 &
wait
tar cf "$OUTDIR/vae.tar" -C $W/A/pack vae.npz
for v in A B; do grep -h "unet done\|hn .* done\|scores:" "$OUTDIR/$v.log" | cut -c1-400; done
