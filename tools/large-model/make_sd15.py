#!/usr/bin/env python3
"""An SD1.5-dimension pipeline with random weights, exported by real PyTorch, for `npm run test:large`.

    OMP_NUM_THREADS=2 /usr/bin/python3 tools/large-model/make_sd15.py --out .cache/sd15 [--layouts fp32,fp16,legacy]

Never committed (about 9 GB): `npm run test:large` runs this once and reuses the cache (a `stamp.json` with
this script's hash marks a complete build). Writes, under OUT:

  fp32/     Optimum's layout: text_encoder/model.onnx (weights inside, 492 MB), unet/model.onnx +
            unet/model.onnx_data (3.44 GB), vae_decoder/model.onnx (198 MB), tokenizer/, scheduler/, configs
  fp16/     the same networks in float16, each one file (the U-Net's is 1.7 GB), fp16 graph inputs/outputs;
            the timestep embedding stays float32 and is cast to float16 before the time MLP, as an fp16
            diffusers export computes it (converted here by an ONNX-level rewrite: Debian's torch 1.13 cannot
            run float16 convolutions on the CPU to trace them)
  legacy/   diffusers' older convert_stable_diffusion_checkpoint_to_onnx.py layout: unet/weights.pb external
            data, a [batch] float32 timestep, `batch/channels/height/width/sequence` dim names
  hypernetwork/sd1-full.pt   an A1111 hypernetwork for every SD1 width (768/320/640/1280), [1, 2, 1], linear
  reference/  inputs and PyTorch outputs of each network (text encoder, U-Net without and with the hypernetwork
            at strength 0.7 through A1111's hook, VAE decoder) as raw float32, plus reference.json

The networks are SD1.5's exactly (859,520,964 U-Net, 123,060,480 text encoder and 49,490,199 VAE decoder
parameters; checked below), with diffusers module names so the exporter names nodes as Optimum's exports do.
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "onnx-fixtures"))
sys.path.insert(0, str(ROOT / "tools" / "fixtures"))
from unet import UNet  # noqa: E402  (diffusers-named SD U-Net with A1111's hypernetwork hook)

DEMO = ROOT / "public" / "models" / "sd-shapes-demo"
HN_STRENGTH = 0.7


# ---------------------------------------------------------------- CLIP ViT-L/14 text model (HF names)
class ClipAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, mask):
        b, n, d = x.shape
        h = self.heads
        q, k, v = (p(x).reshape(b, n, h, d // h).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj))
        a = torch.softmax((q @ k.transpose(-1, -2)) * (d // h) ** -0.5 + mask, dim=-1)
        return self.out_proj((a @ v).transpose(1, 2).reshape(b, n, d))


class ClipLayer(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.self_attn = ClipAttention(d, heads)
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.mlp = nn.Module()
        self.mlp.fc1, self.mlp.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        h = self.mlp.fc1(self.layer_norm2(x))
        return x + self.mlp.fc2(h * torch.sigmoid(1.702 * h))  # quick_gelu


class ClipTextModel(nn.Module):
    def __init__(self, vocab=49408, positions=77, d=768, layers=12, heads=12):
        super().__init__()
        self.embeddings = nn.Module()
        self.embeddings.token_embedding = nn.Embedding(vocab, d)
        self.embeddings.position_embedding = nn.Embedding(positions, d)
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList([ClipLayer(d, heads) for _ in range(layers)])
        self.final_layer_norm = nn.LayerNorm(d)
        self.register_buffer("position_ids", torch.arange(positions).unsqueeze(0))
        nn.init.normal_(self.embeddings.token_embedding.weight, std=0.02)
        nn.init.normal_(self.embeddings.position_embedding.weight, std=0.01)

    def forward(self, input_ids, clip_skip=1):
        """A1111's clip skip: final_layer_norm(hidden_states[-clip_skip]), i.e. after layer L - clip_skip + 1."""
        n = input_ids.shape[1]
        x = self.embeddings.token_embedding(input_ids) + self.embeddings.position_embedding(self.position_ids[:, :n])
        mask = torch.full((n, n), torch.finfo(torch.float32).min).triu(1)
        for layer in self.encoder.layers[:len(self.encoder.layers) - clip_skip + 1]:
            x = layer(x, mask)
        x = self.final_layer_norm(x)
        pooled = x[torch.arange(x.shape[0]), input_ids.to(torch.int64).argmax(dim=-1)]
        return x, pooled


# ---------------------------------------------------------------- SD VAE decoder (diffusers names)
class VaeResnet(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(32, cin, eps=1e-6), nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2, self.conv2 = nn.GroupNorm(32, cout, eps=1e-6), nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv2(F.silu(self.norm2(self.conv1(F.silu(self.norm1(x))))))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


class VaeAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.group_norm = nn.GroupNorm(32, c, eps=1e-6)
        self.to_q, self.to_k, self.to_v = nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c)
        self.to_out = nn.ModuleList([nn.Linear(c, c)])

    def forward(self, x):
        b, c, h, w = x.shape
        t = self.group_norm(x).reshape(b, c, h * w).transpose(1, 2)
        a = torch.softmax((self.to_q(t) @ self.to_k(t).transpose(1, 2)) * c ** -0.5, dim=-1)
        return x + self.to_out[0](a @ self.to_v(t)).transpose(1, 2).reshape(b, c, h, w)


class VaeDecoder(nn.Module):
    """post_quant_conv + diffusers' Decoder for block_out_channels (128, 256, 512, 512), 2 layers per block."""

    def __init__(self, channels=(128, 256, 512, 512), layers=2):
        super().__init__()
        rev = list(reversed(channels))
        self.post_quant_conv = nn.Conv2d(4, 4, 1)
        self.decoder = nn.Module()
        d = self.decoder
        d.conv_in = nn.Conv2d(4, rev[0], 3, padding=1)
        d.mid_block = nn.Module()
        d.mid_block.resnets = nn.ModuleList([VaeResnet(rev[0], rev[0]), VaeResnet(rev[0], rev[0])])
        d.mid_block.attentions = nn.ModuleList([VaeAttention(rev[0])])
        d.up_blocks = nn.ModuleList()
        c = rev[0]
        for i, cout in enumerate(rev):
            blk = nn.Module()
            blk.resnets = nn.ModuleList([VaeResnet(c if j == 0 else cout, cout) for j in range(layers + 1)])
            if i < len(rev) - 1:
                blk.upsamplers = nn.ModuleList([nn.Module()])
                blk.upsamplers[0].conv = nn.Conv2d(cout, cout, 3, padding=1)
            d.up_blocks.append(blk)
            c = cout
        d.conv_norm_out = nn.GroupNorm(32, channels[0], eps=1e-6)
        d.conv_out = nn.Conv2d(channels[0], 3, 3, padding=1)

    def forward(self, latent_sample):
        d = self.decoder
        x = d.conv_in(self.post_quant_conv(latent_sample))
        x = d.mid_block.resnets[1](d.mid_block.attentions[0](d.mid_block.resnets[0](x)))
        for blk in d.up_blocks:
            for r in blk.resnets:
                x = r(x)
            if hasattr(blk, "upsamplers"):
                x = blk.upsamplers[0].conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return d.conv_out(F.silu(d.conv_norm_out(x)))


# ---------------------------------------------------------------- export helpers
def params(m):
    return sum(p.numel() for p in m.parameters())


def export(model, args, path, inputs, outputs, axes, opset=14):
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(model, args, str(path), opset_version=opset, input_names=inputs, output_names=outputs,
                          dynamic_axes=axes, do_constant_folding=True)


def consolidate(path, location):
    """torch writes one file per tensor for models over 2 GB: gather them into one external-data file."""
    m = onnx.load(str(path))
    for f in path.parent.iterdir():
        if f.name != path.name:
            f.unlink()
    onnx.save_model(m, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location=location,
                    size_threshold=1024)


def to_fp16(src, dst):
    """fp32 ONNX → fp16 (one file): floats become float16 except the timestep embedding (nodes under
    /time_proj/, whose output is cast to float16) and Resize's scales; graph float I/O becomes float16."""
    m = onnx.load(str(src))
    g = m.graph
    keep = {n.name for n in g.node if n.name.startswith("/time_proj/")}
    fp32_tensors = set()
    for n in g.node:
        if n.name in keep:
            fp32_tensors.update(n.input)
            fp32_tensors.update(n.output)
        if n.op_type == "Resize":
            fp32_tensors.update(n.input[1:3])
    # the embedding's output: cast to float16 before its readers
    time_out = [o for n in g.node if n.name in keep for o in n.output if any(o in x.input for x in g.node if x.name not in keep)]
    renamed = {name: name + "/fp16" for name in time_out}
    new_nodes = []
    for n in g.node:
        for i, name in enumerate(n.input):
            if name in renamed and n.name not in keep:
                n.input[i] = renamed[name]
        if n.op_type == "Cast" and n.name not in keep:
            for a in n.attribute:
                if a.name == "to" and a.i == TensorProto.FLOAT:
                    a.i = TensorProto.FLOAT16
        if n.op_type in ("Constant", "ConstantOfShape") and n.output[0] not in fp32_tensors:
            for a in n.attribute:
                if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TensorProto.FLOAT:
                    a.t.CopyFrom(numpy_helper.from_array(np.clip(numpy_helper.to_array(a.t), -65504, 65504).astype(np.float16), a.t.name))
        new_nodes.append(n)
        for o in n.output:
            if o in renamed:
                new_nodes.append(helper.make_node("Cast", [o], [renamed[o]], name=o + "/to_fp16", to=TensorProto.FLOAT16))
    del g.node[:]
    g.node.extend(new_nodes)
    for t in g.initializer:
        if t.data_type == TensorProto.FLOAT and t.name not in fp32_tensors:
            t.CopyFrom(numpy_helper.from_array(np.clip(numpy_helper.to_array(t), -65504, 65504).astype(np.float16), t.name))
    for v in list(g.input) + list(g.output):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT and v.name not in fp32_tensors:
            v.type.tensor_type.elem_type = TensorProto.FLOAT16
    del g.value_info[:]
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save_model(m, str(dst))
    onnx.checker.check_model(str(dst))


def write_common(out, legacy=False):
    (out / "tokenizer").mkdir(parents=True, exist_ok=True)
    for f in ("vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json"):
        shutil.copy(DEMO / "tokenizer" / f, out / "tokenizer" / f)
    (out / "scheduler").mkdir(exist_ok=True)
    (out / "scheduler" / "scheduler_config.json").write_text(json.dumps({
        "_class_name": "PNDMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
        "num_train_timesteps": 1000, "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1,
        "prediction_type": "epsilon", "clip_sample": False}, indent=1))
    (out / "unet" / "config.json").write_text(json.dumps({
        "sample_size": 64, "in_channels": 4, "out_channels": 4, "block_out_channels": [320, 640, 1280, 1280],
        "layers_per_block": 2, "attention_head_dim": 8, "cross_attention_dim": 768,
        "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
        "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3}, indent=1))
    (out / "vae_decoder" / "config.json").write_text(json.dumps({
        "block_out_channels": [128, 256, 512, 512], "latent_channels": 4, "layers_per_block": 2,
        "sample_size": 512, "scaling_factor": 0.18215}, indent=1))
    (out / "text_encoder" / "config.json").write_text(json.dumps({
        "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "vocab_size": 49408,
        "max_position_embeddings": 77, "hidden_act": "quick_gelu"}, indent=1))
    (out / "model_index.json").write_text(json.dumps({
        "_class_name": "OnnxStableDiffusionPipeline" if legacy else "ORTStableDiffusionPipeline",
        "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ["optimum", "ORTModelTextEncoder"],
        "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["optimum", "ORTModelUnet"],
        "vae_decoder": ["optimum", "ORTModelVaeDecoder"]}, indent=1))


def hypernetwork(path, seed=1234):
    """A full SD1 hypernetwork as A1111 saves it (torch.save of the dict), small random weights."""
    from make_fixtures import HypernetworkModule, a1111_params, hn_dict, meta_current, to_pairs
    meta = meta_current("sd1-full")
    gen = torch.Generator().manual_seed(seed)
    mods = {}
    for size in (768, 320, 640, 1280):
        pair = []
        for _ in range(2):
            mod = HypernetworkModule(size, **a1111_params(meta))
            with torch.no_grad():
                for p in mod.parameters():
                    p.copy_(torch.randn(p.shape, generator=gen) * 0.01)
            pair.append(mod)
        mods[size] = tuple(pair)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(hn_dict(to_pairs(mods), meta), str(path))
    return mods


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--layouts", default="fp32,fp16,legacy")
    a = ap.parse_args()
    out = Path(a.out)
    layouts = a.layouts.split(",")
    stamp = out / "stamp.json"
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    if stamp.exists() and json.loads(stamp.read_text()).get("script") == digest and \
            set(layouts) <= set(json.loads(stamp.read_text()).get("layouts", [])):
        print(f"{out}: up to date")
        return
    torch.manual_seed(0)
    text = ClipTextModel().eval()
    unet = UNet(channels=(320, 640, 1280, 1280), attn=(True, True, True, False), layers=2, ctx_dim=768, heads=8,
                groups=32).eval()
    vae = VaeDecoder().eval()
    counts = {"text_encoder": params(text), "unet": params(unet), "vae_decoder": params(vae)}
    print("parameters", counts)
    assert counts == {"text_encoder": 123_060_480, "unet": 859_520_964, "vae_decoder": 49_490_199}, counts

    # references: fixed inputs, PyTorch outputs
    ref = out / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(7)
    ids = torch.tensor([[49406, 320, 1125, 539, 320, 2368, 49407] + [49407] * 70], dtype=torch.int32)
    sample = torch.randn(1, 4, 8, 8, generator=gen)
    latent = torch.randn(1, 4, 8, 8, generator=gen)
    t = 500.0
    mods = hypernetwork(out / "hypernetwork" / "sd1-full.pt")
    with torch.no_grad():
        hidden, _ = text(ids)
        hidden_skip2, _ = text(ids, clip_skip=2)
        base = unet(sample, torch.tensor(t), hidden)

        def hook(ctx):  # A1111's apply_hypernetworks for one network: K and V modules of the context's width
            k, v = mods[ctx.shape[-1]] if ctx.shape[-1] in mods else (None, None)
            if k is None:
                return ctx, ctx
            return ctx + k.linear(ctx) * HN_STRENGTH, ctx + v.linear(ctx) * HN_STRENGTH

        unet.hn = hook
        with_hn = unet(sample, torch.tensor(t), hidden)
        unet.hn = None
        image = vae(latent)
    tensors = {"input_ids": ids, "text_hidden": hidden, "text_hidden_skip2": hidden_skip2, "unet_sample": sample, "unet_out": base, "unet_out_hn": with_hn,
               "vae_latent": latent, "vae_out": image}
    for name, v in tensors.items():
        v.numpy().tofile(ref / f"{name}.bin")
    (ref / "reference.json").write_text(json.dumps({
        "timestep": t, "hypernetwork_strength": HN_STRENGTH, "parameters": counts,
        "tensors": {k: {"file": f"{k}.bin", "shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", "")} for k, v in tensors.items()},
    }, indent=1))

    s2, c2 = torch.randn(2, 4, 8, 8), torch.randn(2, 77, 768)
    ids2 = ids.repeat(2, 1)
    unet_axes = {"sample": {0: "batch_size", 2: "height", 3: "width"}, "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"}, "out_sample": {0: "batch_size", 2: "height", 3: "width"}}
    def begin(name):
        final = out / name
        if final.exists():
            return None
        tmp = out / f"{name}.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        return tmp

    def commit(name):
        (out / f"{name}.partial").rename(out / name)

    if ("fp32" in layouts or "fp16" in layouts) and (d := begin("fp32")):
        export(text, (ids2,), d / "text_encoder" / "model.onnx", ["input_ids"], ["last_hidden_state", "pooler_output"],
               {"input_ids": {0: "batch_size", 1: "sequence_length"}, "last_hidden_state": {0: "batch_size", 1: "sequence_length"}, "pooler_output": {0: "batch_size"}})
        export(unet, (s2, torch.tensor(t), c2), d / "unet" / "model.onnx", ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], unet_axes)
        consolidate(d / "unet" / "model.onnx", "model.onnx_data")
        export(vae, (latent,), d / "vae_decoder" / "model.onnx", ["latent_sample"], ["sample"],
               {"latent_sample": {0: "batch_size", 2: "latent_height", 3: "latent_width"}, "sample": {0: "batch_size", 2: "height", 3: "width"}})
        write_common(d)
        commit("fp32")
    if "fp16" in layouts and (d := begin("fp16")):
        for net in ("text_encoder", "unet", "vae_decoder"):
            to_fp16(out / "fp32" / net / "model.onnx", d / net / "model.onnx")
        write_common(d)
        commit("fp16")
    if "legacy" in layouts and (d := begin("legacy")):

        class LegacyUnet(nn.Module):  # diffusers' old script: timestep [batch] float32
            def __init__(self, u):
                super().__init__()
                self.u = u

            def forward(self, sample, timestep, encoder_hidden_states):
                return self.u(sample, timestep[0], encoder_hidden_states)

        export(LegacyUnet(unet), (s2, torch.tensor([t, t]), c2), d / "unet" / "model.onnx", ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
               {"sample": {0: "batch", 1: "channels", 2: "height", 3: "width"}, "timestep": {0: "batch"}, "encoder_hidden_states": {0: "batch", 1: "sequence"}})
        consolidate(d / "unet" / "model.onnx", "weights.pb")
        export(text, (ids2,), d / "text_encoder" / "model.onnx", ["input_ids"], ["last_hidden_state", "pooler_output"], {"input_ids": {0: "batch", 1: "sequence"}})
        export(vae, (latent,), d / "vae_decoder" / "model.onnx", ["latent_sample"], ["sample"], {"latent_sample": {0: "batch", 1: "channels", 2: "height", 3: "width"}})
        write_common(d, legacy=True)
        commit("legacy")
    stamp.write_text(json.dumps({"script": digest, "layouts": layouts, "torch": torch.__version__}))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
