#!/usr/bin/env python3
"""make_sd15.py's SD1.5-dimension networks saved as one A1111 checkpoint (LDM key names), for test:large.

    OMP_NUM_THREADS=2 /usr/bin/python3 tools/large-model/make_sd15_a1111.py --out .cache/sd15

Rebuilds the very same random weights as make_sd15.py (same seed, same construction order), renames every
tensor from the diffusers module names to the keys an A1111/LDM `.safetensors` has (`model.diffusion_model.
input_blocks.1.1.transformer_blocks.0.attn1.to_k.weight`, `cond_stage_model.transformer.text_model.*`,
`first_stage_model.decoder.*`), adds a VAE encoder with random weights (make_sd15.py exports no encoder;
nothing compares it), and writes OUT/a1111/sd15.safetensors (fp32, ≈ 4.3 GB) with a stamp of this script and
make_sd15.py. The converted networks are compared with make_sd15.py's references (OUT/reference/).
"""
import argparse
import hashlib
import json
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "checkpoint"))
import make_sd15 as M  # noqa: E402
from ldm import Encoder  # noqa: E402
from make_checkpoints import write_safetensors  # noqa: E402

RESNET = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1", "norm2": "out_layers.0",
          "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}


def unet_keys(unet, layers=2, levels=4):
    """diffusers-named U-Net parameter → LDM key (UNetModel's input_blocks / middle_block / output_blocks)."""
    where = {"time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2", "conv_in": "input_blocks.0.0",
             "conv_norm_out": "out.0", "conv_out": "out.2", "mid_block.resnets.0": "middle_block.0",
             "mid_block.attentions.0": "middle_block.1", "mid_block.resnets.1": "middle_block.2"}
    index = 1
    for level in range(levels):
        for n in range(layers):
            where[f"down_blocks.{level}.resnets.{n}"] = f"input_blocks.{index}.0"
            where[f"down_blocks.{level}.attentions.{n}"] = f"input_blocks.{index}.1"
            index += 1
        if level != levels - 1:
            where[f"down_blocks.{level}.downsamplers.0"] = f"input_blocks.{index}.0.op"
            index += 1
    index = 0
    for up in range(levels):
        attn = any(k.startswith(f"up_blocks.{up}.attentions.") for k, _ in unet.named_parameters())
        for i in range(layers + 1):
            where[f"up_blocks.{up}.resnets.{i}"] = f"output_blocks.{index}.0"
            where[f"up_blocks.{up}.attentions.{i}"] = f"output_blocks.{index}.1"
            if up != levels - 1 and i == layers:
                where[f"up_blocks.{up}.upsamplers.0"] = f"output_blocks.{index}.{2 if attn else 1}.conv"
            index += 1
    out = {}
    for k, v in unet.state_dict().items():
        if k.startswith("time_proj."):
            continue
        prefix = max((p for p in where if k.startswith(p + ".")), key=len)
        rest = k[len(prefix) + 1:]
        if ".resnets." in prefix or prefix.startswith("mid_block.resnets"):
            head, _, tail = rest.partition(".")
            rest = f"{RESNET[head]}.{tail}"
        out[f"model.diffusion_model.{where[prefix]}.{rest}"] = v
    return out


def vae_keys(vae, channels=4, layers=2):
    """diffusers-named VAE decoder → LDM first_stage_model keys (AttnBlock projections as 1×1 convs)."""
    out = {}
    attn = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}
    for k, v in vae.state_dict().items():
        key = k
        for a, b in (("decoder.mid_block.resnets.0.", "decoder.mid.block_1."), ("decoder.mid_block.resnets.1.", "decoder.mid.block_2."), ("decoder.conv_norm_out.", "decoder.norm_out.")):
            key = key.replace(a, b)
        if key.startswith("decoder.mid_block.attentions.0."):
            rest = key[len("decoder.mid_block.attentions.0."):]
            name, _, tail = rest.rpartition(".")
            key = f"decoder.mid.attn_1.{attn[name]}.{tail}"
            if tail == "weight" and v.ndim == 2:
                v = v[:, :, None, None]
        if key.startswith("decoder.up_blocks."):
            parts = key.split(".")
            level = channels - 1 - int(parts[2])
            if parts[3] == "resnets":
                sub = parts[5].replace("conv_shortcut", "nin_shortcut")
                key = f"decoder.up.{level}.block.{parts[4]}.{sub}.{parts[6]}"
            else:  # upsamplers.0.conv.weight
                key = f"decoder.up.{level}.upsample.conv.{parts[-1]}"
        out[f"first_stage_model.{key}"] = v.contiguous()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out = Path(a.out) / "a1111"
    stamp = out / "stamp.json"
    digest = hashlib.sha256((HERE / "make_sd15_a1111.py").read_bytes() + (HERE / "make_sd15.py").read_bytes()).hexdigest()[:16]
    if stamp.exists() and json.loads(stamp.read_text()).get("script") == digest:
        print(f"{out}: up to date")
        return
    torch.manual_seed(0)  # make_sd15.py's order: text encoder, U-Net, VAE decoder
    text = M.ClipTextModel().eval()
    unet = M.UNet(channels=(320, 640, 1280, 1280), attn=(True, True, True, False), layers=2, ctx_dim=768, heads=8, groups=32).eval()
    vae = M.VaeDecoder().eval()
    enc = Encoder(ch=128, ch_mult=[1, 2, 4, 4], num_res_blocks=2, attn_resolutions=[], in_channels=3, resolution=256, z_channels=4)
    quant = torch.nn.Conv2d(8, 8, 1)
    sd = unet_keys(unet)
    sd.update({f"cond_stage_model.transformer.text_model.{k}": v for k, v in text.state_dict().items() if k != "position_ids"})
    sd.update(vae_keys(vae))
    sd.update({f"first_stage_model.encoder.{k}": v for k, v in enc.state_dict().items()})
    sd.update({f"first_stage_model.quant_conv.{k}": v for k, v in quant.state_dict().items()})
    sd = {k: v.contiguous() for k, v in sd.items()}
    out.mkdir(parents=True, exist_ok=True)
    partial = out / "sd15.safetensors.partial"
    write_safetensors(partial, sd, {"format": "pt", "note": "make_sd15.py's random weights, LDM keys"})
    partial.rename(out / "sd15.safetensors")
    stamp.write_text(json.dumps({"script": digest, "tensors": len(sd), "bytes": (out / "sd15.safetensors").stat().st_size}))
    print(f"wrote {out / 'sd15.safetensors'}: {len(sd)} tensors")


if __name__ == "__main__":
    main()
