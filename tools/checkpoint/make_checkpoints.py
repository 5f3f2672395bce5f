#!/usr/bin/env python3
"""Small A1111-style checkpoints with random weights, and what PyTorch computes with them.

    OMP_NUM_THREADS=2 /usr/bin/python3 tools/checkpoint/make_checkpoints.py

Writes (committed; the tests never run Python; the checkpoints gzipped — NAME.gz, `gzip -n`: their token
embeddings are mostly zeros, so the working tree stays small):
  test/fixtures/checkpoint/sd1-tiny.{safetensors,ckpt,yaml}  SD1-like: CLIP text encoder (HF keys under
        cond_stage_model.transformer.text_model), 1x1-conv transformer projections, num_heads; stored dtypes
        mixed (U-Net F16, text encoder BF16, VAE F32); the .ckpt is Lightning-style ({"state_dict", "global_step",
        "epoch"}, with EMA entries) and holds the same values
  test/fixtures/checkpoint/sd2-tiny.{safetensors,ckpt,yaml}  SD2-like: OpenCLIP text tower (cond_stage_model.model,
        packed in_proj, penultimate layer), Linear projections, SD2's 64-wide heads (so it converts without its
        yaml too), everything F16; its yaml says parameterization "v"
  test/fixtures/checkpoint/sd1-tiny.vae.pt                  a separate VAE (A1111 .vae.pt: state_dict of
        encoder/decoder/quant convs plus `loss.*` keys) with other weights
  test/reference/checkpoint/<family>/*.bin + reference.json  inputs and outputs of each network in float32
        (text encoder, U-Net, VAE decoder and encoder, A1111's v-prediction probe value), and for SD1 a seeded
        4-step Euler run at 32x32 with CFG 7 (initial noise torch.randn with the seed, k-diffusion schedule)

The networks are written in LDM's own module structure (tools/checkpoint/ldm.py), not the app's graph. Channel
counts are tiny (32-group norms need multiples of 32); the token embedding keeps CLIP's 49,408 rows (real token
ids) but only rows below 1,024, the test prompts' words and the special tokens are random, the rest zero, so
the files compress in git; the text encoder is 64 wide (one CLIP head).
"""
import json
import os
import struct
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tools" / "reference"))
from ldm import LatentDiffusion  # noqa: E402
from make_diffusion_refs import Schedule  # noqa: E402

FIX = ROOT / "test" / "fixtures" / "checkpoint"
REF = ROOT / "test" / "reference" / "checkpoint"
VOCAB, POSITIONS, RANDOM_ROWS = 49408, 77, 1024
SCALE_FACTOR = 0.18215
USED_WORDS = ["a", "red", "circle", "on", "blue", "background", "cat", "photo", "of"]
VOCAB_JSON = json.loads((ROOT / "public/models/sd-shapes-demo/tokenizer/vocab.json").read_text())

FAMILIES = {
    "sd1": dict(
        unet=dict(in_channels=4, out_channels=4, model_channels=32, attention_resolutions=[2, 1], num_res_blocks=1,
                  channel_mult=[1, 2, 2], num_heads=2, context_dim=64, transformer_depth=1),
        ddconfig=dict(double_z=True, z_channels=4, resolution=64, in_channels=3, out_ch=3, ch=32, ch_mult=[1, 2],
                      num_res_blocks=1, attn_resolutions=[], dropout=0.0),
        text=dict(vocab=VOCAB, positions=POSITIONS, d=64, layers=2, heads=1),
        dtypes={"model.": torch.float16, "cond_stage_model.": torch.bfloat16, "first_stage_model.": torch.float32},
        cond_target="ldm.modules.encoders.modules.FrozenCLIPEmbedder", parameterization=None, pad=49407),
    "sd2": dict(
        # SD2's own 64-wide heads, so that it also converts without its yaml (A1111's v2 defaults)
        unet=dict(in_channels=4, out_channels=4, model_channels=32, attention_resolutions=[4, 2], num_res_blocks=1,
                  channel_mult=[1, 2, 2], num_head_channels=64, context_dim=64, transformer_depth=1,
                  use_linear_in_transformer=True),
        ddconfig=dict(double_z=True, z_channels=4, resolution=64, in_channels=3, out_ch=3, ch=32, ch_mult=[1, 2],
                      num_res_blocks=1, attn_resolutions=[], dropout=0.0),
        text=dict(vocab=VOCAB, positions=POSITIONS, d=64, layers=3, heads=1, layer="penultimate"),
        dtypes={"": torch.float16},
        cond_target="ldm.modules.encoders.modules.FrozenOpenCLIPEmbedder", parameterization="v", pad=0),
}


def randomize(model, gen):
    """Random weights scaled so activations stay O(1) through the tiny networks."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("token_embedding.weight"):
                p.zero_()
                p[:RANDOM_ROWS] = torch.randn(RANDOM_ROWS, p.shape[1], generator=gen) * 0.5
                for word in USED_WORDS:  # the words of the test prompts
                    p[VOCAB_JSON[word + "</w>"]] = torch.randn(p.shape[1], generator=gen) * 0.5
                p[VOCAB - 16:] = torch.randn(16, p.shape[1], generator=gen) * 0.5
            elif p.ndim >= 2:
                fan_in = p[0].numel() if p.ndim > 1 else 1
                p.copy_(torch.randn(p.shape, generator=gen) / fan_in ** 0.5)
            elif "norm" in name.split(".")[-2] or name.endswith(("ln_1.weight", "ln_2.weight", "ln_final.weight")):
                p.copy_((1 + 0.1 * torch.randn(p.shape, generator=gen)) if name.endswith("weight") else 0.05 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.05 * torch.randn(p.shape, generator=gen))


def stored_dtype(key, dtypes):
    return max(((k, d) for k, d in dtypes.items() if key.startswith(k)), key=lambda kd: len(kd[0]))[1]


def round_to_storage(model, dtypes):
    """Each float weight rounded to the dtype it is stored in, so PyTorch computes with the stored values."""
    sd = model.state_dict()
    with torch.no_grad():
        for k, v in sd.items():
            if v.is_floating_point():
                v.copy_(v.to(stored_dtype(k, dtypes)).float())
    return {k: (v.to(stored_dtype(k, dtypes)) if v.is_floating_point() else v).contiguous() for k, v in sd.items()}


ST_DTYPE = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def tensor_bytes(t):
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: the high halves of the float32 bits
        return (t.float().contiguous().view(torch.int32) >> 16).to(torch.int16).numpy().tobytes()
    return t.contiguous().numpy().tobytes()


def compress(paths):
    """Each checkpoint as NAME.gz (no name or time stamp inside: reruns give the same bytes), the original removed."""
    import gzip
    for p in list(paths):
        if p.suffix in (".yaml", ".gz"):
            continue
        with open(p, "rb") as src, open(str(p) + ".gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as dst:
            dst.write(src.read())
        p.unlink()


def write_safetensors(path, tensors, metadata):
    """The header from shapes first, then each tensor's bytes in turn (a 4 GB state dict is never copied whole)."""
    header, offset = {"__metadata__": metadata}, 0
    for k, t in tensors.items():
        n = t.numel() * t.element_size()
        header[k] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for t in tensors.values():
            f.write(tensor_bytes(t))


def write_yaml(path, fam, name):
    u, d = fam["unet"], fam["ddconfig"]
    lines = ["model:", "  target: ldm.models.diffusion.ddpm.LatentDiffusion", "  params:",
             "    linear_start: 0.00085", "    linear_end: 0.0120", "    timesteps: 1000",
             f"    scale_factor: {SCALE_FACTOR}"]
    if fam["parameterization"]:
        lines.append(f"    parameterization: \"{fam['parameterization']}\"")
    lines += ["    unet_config:", "      target: ldm.modules.diffusionmodules.openaimodel.UNetModel", "      params:",
              "        use_checkpoint: True", "        image_size: 32"]
    for k, v in u.items():
        lines.append(f"        {k}: {json.dumps(v)}")
    lines += ["        use_spatial_transformer: True", "        legacy: False",
              "    first_stage_config:", "      target: ldm.models.autoencoder.AutoencoderKL", "      params:",
              "        embed_dim: 4", "        monitor: val/rec_loss", "        ddconfig:"]
    for k, v in d.items():
        lines.append(f"          {k}: {json.dumps(v)}")
    lines += ["        lossconfig:", "          target: torch.nn.Identity",
              "    cond_stage_config:", f"      target: {fam['cond_target']}"]
    if "layer" in fam["text"]:
        lines += ["      params:", "        freeze: True", f"        layer: \"{fam['text']['layer']}\""]
    path.write_text(f"# {name}: a tiny {name[:3].upper()}-like model in LDM's config format\n" + "\n".join(lines) + "\n")


def tokens(text, pad):
    ids = [49406] + [VOCAB_JSON[w + "</w>"] for w in text.split()] + [49407]
    return ids + [pad] * (POSITIONS - len(ids))


def save(out, name, t, meta):
    t = t.detach().float().contiguous()
    (out / f"{name}.bin").write_bytes(t.numpy().tobytes())
    meta[name] = {"file": f"{name}.bin", "shape": list(t.shape)}


def euler_run(m, text_ids, uncond_ids, seed, steps, cfg, size):
    """A1111's txt2img with Euler: k-diffusion CompVisDenoiser scalings, CFG on denoised, seed noise from torch.randn."""
    S = Schedule()
    sigmas = S.get_sigmas(steps, rule="v2")  # torch >= 2.0 linspace, as A1111 1.6+ and the app
    unet = m.model.diffusion_model
    ctx = torch.cat([m.cond_stage_model(text_ids), m.cond_stage_model(uncond_ids)])
    lat = size // 2  # the tiny VAE halves each side
    x = torch.randn((4, lat, lat), generator=torch.Generator().manual_seed(seed))[None] * sigmas[0]
    for i in range(steps):
        s = sigmas[i]
        c_in = 1 / (s ** 2 + 1) ** 0.5
        t = S.sigma_to_t(s.reshape(1))
        eps = unet(torch.cat([x * c_in] * 2), t.repeat(2), ctx)
        den = x + eps * (-s)
        den = den[1:] + (den[:1] - den[1:]) * cfg
        x = x + (x - den) / s * (sigmas[i + 1] - s)
    return x, m.first_stage_model.decode(x / SCALE_FACTOR)


def make(family):
    fam = FAMILIES[family]
    gen = torch.Generator().manual_seed({"sd1": 1, "sd2": 2}[family])
    m = LatentDiffusion(fam["unet"], fam["ddconfig"], 4, fam["text"]).eval()
    randomize(m, gen)
    sd = round_to_storage(m, fam["dtypes"])
    FIX.mkdir(parents=True, exist_ok=True)
    name = f"{family}-tiny"
    write_safetensors(FIX / f"{name}.safetensors", sd, {"format": "pt", "note": "random weights, tools/checkpoint"})
    ema = {"model_ema.decay": torch.tensor(0.9999), "model_ema.num_updates": torch.tensor(1234, dtype=torch.int32),
           "model_ema.diffusion_modelout2weight": sd["model.diffusion_model.out.2.weight"].clone()}
    torch.save({"state_dict": {**sd, **ema}, "global_step": 1234, "epoch": 3}, FIX / f"{name}.ckpt")
    write_yaml(FIX / f"{name}.yaml", fam, name)

    out = REF / family
    out.mkdir(parents=True, exist_ok=True)
    meta, g = {}, torch.Generator().manual_seed(7)
    pad = fam["pad"]
    ids = torch.tensor([tokens("a red circle on blue background", pad), tokens("", pad)], dtype=torch.int32)
    with torch.no_grad():
        hidden = m.cond_stage_model(ids.long())
        unet = m.model.diffusion_model
        sample = torch.randn(2, 4, 8, 8, generator=g)
        t = 500.5
        out_eps = unet(sample, torch.tensor([t, t]), hidden)
        x = torch.ones(1, 4, 8, 8) * 0.5  # A1111's is_using_v_parameterization_for_sd2 input
        probe = (unet(x, torch.tensor([999.0]), torch.ones(1, 2, fam["unet"]["context_dim"]) * 0.5) - x).mean().item()
        latent = torch.randn(1, 4, 8, 8, generator=g)
        image = m.first_stage_model.decode(latent)
        pixels = torch.randn(1, 3, 16, 16, generator=g).clamp(-1, 1)
        mean = m.first_stage_model.encode_mean(pixels)
        for k, v in {"input_ids": ids, "text_hidden": hidden, "unet_sample": sample, "unet_out": out_eps,
                     "vae_latent": latent, "vae_image": image, "vae_pixels": pixels, "vae_mean": mean}.items():
            if k == "input_ids":
                (out / "input_ids.bin").write_bytes(v.numpy().astype("<i4").tobytes())
                meta[k] = {"file": "input_ids.bin", "shape": list(v.shape), "dtype": "int32"}
            else:
                save(out, k, v, meta)
        run = None
        if family == "sd1":
            final, decoded = euler_run(m, ids[:1].long(), ids[1:].long(), 42, 4, 7.0, 32)
            save(out, "run_latent", final, meta)
            save(out, "run_image", decoded, meta)
            run = {"prompt": "a red circle on blue background", "negative_prompt": "", "seed": 42, "sampler": "Euler",
                   "steps": 4, "cfg_scale": 7.0, "width": 32, "height": 32}
            # a separate VAE (.vae.pt) with its own weights, and the run's latent decoded by it
            from ldm import AutoencoderKL
            vae = AutoencoderKL(fam["ddconfig"], 4).eval()
            randomize(vae, torch.Generator().manual_seed(3))
            vsd = {k: v.contiguous() for k, v in vae.state_dict().items()}
            torch.save({"state_dict": {**vsd, "loss.logvar": torch.zeros(())}, "global_step": 5}, FIX / "sd1-tiny.vae.pt")
            save(out, "vae_override_image", vae.decode(latent), meta)
    (out / "reference.json").write_text(json.dumps({
        "timestep": t, "probe_value": probe, "probe_says_v": probe < -1, "scale_factor": SCALE_FACTOR,
        "run": run, "torch": torch.__version__, "tensors": meta}, indent=1) + "\n")
    compress(FIX.glob(f"{name}*"))
    print(family, "probe", probe, {p.name: p.stat().st_size for p in FIX.glob(f"{name}*")})


if __name__ == "__main__":
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    for family in sys.argv[1:] or ["sd1", "sd2"]:
        make(family)
