#!/usr/bin/env python3
"""The native anchor for `npm run bench:gpu`: SD1.5-dimension networks in PyTorch on the GPU, in float16.

  python3 bench/gpu/torch_anchor.py --export DIR        # an fp16 ONNX folder in Optimum's layout, exported on CUDA
  python3 bench/gpu/torch_anchor.py --bench OUT.json [--size 512] [--runs 10]

Same modules and seed as tools/large-model/make_sd15.py (random weights, SD1.5's shapes). --bench times, as
medians after one warm-up with torch.cuda.synchronize(): the U-Net step at batch 2 (CFG) without and with an
A1111 hypernetwork of the four SD1 widths applied through A1111's hook, the text encoder on one 77-token chunk,
the VAE decoder on one image. The names match bench/gpu.ts's lines so it prints ratios.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "large-model"))
import make_sd15 as sd  # noqa: E402


def networks(device, dtype):
    torch.manual_seed(0)
    text = sd.ClipTextModel().eval()
    unet = sd.UNet(channels=(320, 640, 1280, 1280), attn=(True, True, True, False), layers=2, ctx_dim=768, heads=8,
                   groups=32).eval()
    vae = sd.VaeDecoder().eval()
    return [m.to(device=device, dtype=dtype) for m in (text, unet, vae)]


def export(out):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.float16 if device == "cuda" else torch.float32
    text, unet, vae = networks(device, dtype)
    ids = torch.full((1, 77), 49407, dtype=torch.int32, device=device)
    s, c = torch.randn(2, 4, 64, 64, device=device, dtype=dtype), torch.randn(2, 77, 768, device=device, dtype=dtype)
    out = Path(out)
    sd.export(text, (ids,), out / "text_encoder" / "model.onnx", ["input_ids"], ["last_hidden_state", "pooler_output"],
              {"input_ids": {0: "batch_size", 1: "sequence_length"}})
    sd.export(unet, (s, torch.tensor(500.0, device=device), c), out / "unet" / "model.onnx",
              ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
              {"sample": {0: "batch_size", 2: "height", 3: "width"}, "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"}})
    if len(list((out / "unet").iterdir())) > 1:  # fp32 (no CUDA) is over 2 GB: one external-data file
        sd.consolidate(out / "unet" / "model.onnx", "model.onnx_data")
    sd.export(vae, (torch.randn(1, 4, 64, 64, device=device, dtype=dtype),), out / "vae_decoder" / "model.onnx",
              ["latent_sample"], ["sample"], {"latent_sample": {0: "batch_size", 2: "latent_height", 3: "latent_width"}})
    sd.write_common(out)
    print(f"exported {'fp16 on CUDA' if dtype == torch.float16 else 'fp32 on the CPU (no CUDA)'} to {out}")


def median(run, runs, device):
    def once():
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        run()
        if device == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - t) * 1000
    once()
    return sorted(once() for _ in range(runs))[runs // 2]


def bench(out, size, runs):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.float16 if device == "cuda" else torch.float32
    text, unet, vae = networks(device, dtype)
    mods = sd.hypernetwork(Path("/tmp/hnstudio-anchor-hn.pt"))
    for pair in mods.values():
        for m in pair:
            m.to(device=device, dtype=dtype)
    lat = size // 8
    ids = torch.full((1, 77), 49407, dtype=torch.int32, device=device)
    s, t, c = torch.randn(2, 4, lat, lat, device=device, dtype=dtype), torch.tensor(500.0, device=device), torch.randn(2, 77, 768, device=device, dtype=dtype)
    z = torch.randn(1, 4, lat, lat, device=device, dtype=dtype)
    result = {}
    with torch.no_grad():
        result["text encoder"] = median(lambda: text(ids), runs, device)
        result["U-Net step"] = median(lambda: unet(s, t, c), runs, device)

        def hook(ctx):
            k, v = mods.get(ctx.shape[-1], (None, None))
            return (ctx, ctx) if k is None else (ctx + k.linear(ctx) * 0.8, ctx + v.linear(ctx) * 0.8)

        unet.hn = hook
        result["U-Net step, SD1 hypernetwork"] = median(lambda: unet(s, t, c), runs, device)
        unet.hn = None
        result["VAE decoder"] = median(lambda: vae(z), runs, device)
    result["device"] = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    result["dtype"] = str(dtype)
    Path(out).write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--export")
    ap.add_argument("--bench")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    if a.export:
        export(a.export)
    if a.bench:
        bench(a.bench, a.size, a.runs)
