#!/usr/bin/env bash
# On the lent GPU machine (see bench/README.md): .device/ comes from `node bench/gpu/pack.mjs`.
# Exports the SD1.5-dimension pipeline in fp16 on CUDA, times PyTorch fp16, then native onnxruntime's WebGPU EP.
# Results go to $OUT (the device tool brings that folder back) when it is set.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=.device
xz -dkf "$D/node.xz" && chmod +x "$D/node"
find "$D/node_modules" -name '*.so.1.xz' -exec xz -dkf {} \;
RESULTS=${OUT:-/tmp/hnstudio-gpu}
WORK=/tmp/hnstudio-gpu
mkdir -p "$RESULTS" "$WORK"
SIZE=${SIZE:-512}
RUNS=${RUNS:-10}
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true; } | tee "$RESULTS/gpu.txt"
[ -f "$WORK/sd15/unet/model.onnx" ] || python3 bench/gpu/torch_anchor.py --export "$WORK/sd15"
python3 bench/gpu/torch_anchor.py --bench "$RESULTS/anchor.json" --size "$SIZE" --runs "$RUNS"
"$D/node" "$D/gpu.mjs" --model "$WORK/sd15" --anchor "$RESULTS/anchor.json" --size "$SIZE" --runs "$RUNS" --backend webgpu | tee "$RESULTS/gpu-bench.txt"
