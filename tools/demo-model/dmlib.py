"""Hypernetwork Studio demo model: tokenizer, procedural dataset, models, schedule, hypernetworks.

Everything here is plain PyTorch (Debian python3-torch 1.13); diffusers/transformers are not needed.
Module names follow diffusers' UNet2DConditionModel so that the TorchScript ONNX exporter produces the same
node names as an Optimum export of Stable Diffusion 1.x.
"""
import gzip
import html
import json
import math
import os
import re
from functools import lru_cache

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CLIP_DIR = os.environ.get("DEMO_CLIP_DIR") or os.path.abspath(os.path.join(REPO, "..", "shared", "data", "clip"))

BOS, EOS = 49406, 49407
MAX_LEN = 77

# ----------------------------------------------------------------------------------------------------------
# CLIP BPE tokenizer (same algorithm as OpenAI CLIP / Hugging Face CLIPTokenizer, minus ftfy)
# ----------------------------------------------------------------------------------------------------------


@lru_cache()
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def load_merges(path=None):
    path = path or os.path.join(CLIP_DIR, "bpe_simple_vocab_16e6.txt.gz")
    lines = gzip.open(path).read().decode("utf-8").split("\n")
    merges = lines[1:49152 - 256 - 2 + 1]  # 48894 merges, as CLIP
    return [tuple(m.split()) for m in merges]


def build_vocab(merges):
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    for m in merges:
        vocab.append("".join(m))
    vocab.extend(["<|startoftext|>", "<|endoftext|>"])
    return vocab


# Python's `re` has no \p{L}/\p{N}: letters = [^\W\d_], numbers = \d, "other" = [^\s\w]|_ .
# Identical to CLIP's pattern for ASCII text (all demo captions are ASCII).
PAT = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|(?:[^\s\w]|_)+""",
                 re.IGNORECASE)


class ClipTokenizer:
    def __init__(self):
        merges = load_merges()
        self.merges = merges
        self.vocab = build_vocab(merges)
        self.encoder = {t: i for i, t in enumerate(self.vocab)}
        assert len(self.encoder) == 49408, len(self.encoder)
        self.bpe_ranks = dict(zip(merges, range(len(merges))))
        self.byte_encoder = bytes_to_unicode()
        self.cache = {"<|startoftext|>": "<|startoftext|>", "<|endoftext|>": "<|endoftext|>"}

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        while len(word) > 1:
            pairs = set(zip(word[:-1], word[1:]))
            best = min(pairs, key=lambda p: self.bpe_ranks.get(p, float("inf")))
            if best not in self.bpe_ranks:
                break
            first, second = best
            new = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new.extend(word[i:])
                    break
                new.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new.append(first + second)
                    i += 2
                else:
                    new.append(word[i])
                    i += 1
            word = tuple(new)
        out = " ".join(word)
        self.cache[token] = out
        return out

    def encode(self, text):
        text = html.unescape(html.unescape(text)).strip()
        text = re.sub(r"\s+", " ", text).strip().lower()
        ids = []
        for tok in PAT.findall(text):
            tok = "".join(self.byte_encoder[b] for b in tok.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(tok).split(" "))
        return ids

    def __call__(self, text):
        """SD-1.x style: [BOS] ids [EOS] padded with EOS (49407) to 77, truncated to 77."""
        ids = [BOS] + self.encode(text)[:MAX_LEN - 2] + [EOS]
        return ids + [EOS] * (MAX_LEN - len(ids))

    def write_hf_files(self, folder):
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump(self.encoder, f, ensure_ascii=False)
        with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n" + "\n".join(" ".join(m) for m in self.merges) + "\n")
        tok = {"content": None, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}
        st = {"bos_token": dict(tok, content="<|startoftext|>"), "eos_token": dict(tok, content="<|endoftext|>"),
              "pad_token": "<|endoftext|>", "unk_token": dict(tok, content="<|endoftext|>")}
        with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
            json.dump(st, f, indent=2)
        cfg = {"add_prefix_space": False, "bos_token": st["bos_token"], "eos_token": st["eos_token"],
               "pad_token": "<|endoftext|>", "unk_token": st["unk_token"], "errors": "replace",
               "do_lower_case": True, "model_max_length": 77, "name_or_path": "openai/clip-vit-large-patch14",
               "tokenizer_class": "CLIPTokenizer"}
        with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        with open(os.path.join(CLIP_DIR, "README.md")) as f:
            src = f.read()
        with open(os.path.join(folder, "LICENSE-CLIP.md"), "w") as f:
            f.write("# CLIP tokenizer files — MIT License\n\n"
                    "`vocab.json` and `merges.txt` are derived from OpenAI CLIP's `bpe_simple_vocab_16e6.txt.gz`\n"
                    "(https://github.com/openai/CLIP), Copyright (c) 2021 OpenAI, released under the MIT License:\n\n"
                    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and\n"
                    "associated documentation files (the \"Software\"), to deal in the Software without restriction,\n"
                    "including without limitation the rights to use, copy, modify, merge, publish, distribute,\n"
                    "sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is\n"
                    "furnished to do so, subject to the following conditions:\n\n"
                    "The above copyright notice and this permission notice shall be included in all copies or\n"
                    "substantial portions of the Software.\n\n"
                    "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING\n"
                    "BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND\n"
                    "NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,\n"
                    "DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT\n"
                    "OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.\n\n"
                    "Source note (README.md of the CLIP data folder):\n\n" + src)


# ----------------------------------------------------------------------------------------------------------
# Procedural dataset
# ----------------------------------------------------------------------------------------------------------
SHAPES = ["circle", "square", "triangle"]
COLORS = {  # name -> RGB 0..255
    "red": (220, 30, 30), "yellow": (235, 205, 25), "green": (30, 165, 50),
    "cyan": (25, 195, 210), "blue": (35, 65, 225), "purple": (150, 45, 205),
}
BACKGROUNDS = {"white": (245, 245, 245), "black": (12, 12, 12), "gray": (128, 128, 128)}
POSITIONS = {"left": (16, 32), "right": (48, 32), "top": (32, 16), "bottom": (32, 48), "center": (32, 32)}
POS_PHRASE = {"left": "on the left", "right": "on the right", "top": "at the top", "bottom": "at the bottom",
              "center": "in the center"}
SIZES = {"small": 7.5, "large": 13.5}  # half extent in px
RES = 64
SS = 4  # supersampling for anti-aliasing
STYLES = ["plain", "stripes", "invert"]


def caption(shape, color, bg, pos, size):
    return f"a {size} {color} {shape} {POS_PHRASE[pos]}, {bg} background"


def all_combos():
    return [(s, c, b, p, z) for s in SHAPES for c in COLORS for b in BACKGROUNDS for p in POSITIONS for z in SIZES]


_G = None


def _grid():
    global _G
    if _G is None:
        n = RES * SS
        c = (np.arange(n) + 0.5) / SS
        _G = np.meshgrid(c, c)  # X, Y in pixel units
    return _G


def shape_mask(shape, cx, cy, r):
    X, Y = _grid()
    if shape == "circle":
        m = (X - cx) ** 2 + (Y - cy) ** 2 <= r * r
    elif shape == "square":
        h = r * 0.89  # same area feel as the circle
        m = (np.abs(X - cx) <= h) & (np.abs(Y - cy) <= h)
    elif shape == "triangle":  # upright isosceles, apex at top
        top, bot = cy - r, cy + r * 0.85
        t = np.clip((Y - top) / (bot - top), 0, 1)
        m = (Y >= top) & (Y <= bot) & (np.abs(X - cx) <= t * r * 1.05)
    else:
        raise ValueError(shape)
    return m


def render(shape, color, bg, pos, size, style="plain", jitter=(0.0, 0.0, 0.0)):
    """Returns float32 [64,64,3] in 0..1, anti-aliased by 4x4 supersampling."""
    cx, cy = POSITIONS[pos]
    r = SIZES[size] + jitter[2]
    m = shape_mask(shape, cx + jitter[0], cy + jitter[1], r)
    fg = np.array(COLORS[color], np.float32) / 255
    bgc = np.array(BACKGROUNDS[bg], np.float32) / 255
    if style == "stripes":  # diagonal stripes, period 8 px along x+y (aligned with the 8x8 latent grid)
        X, Y = _grid()
        m = m & ((np.floor((X + Y) / 4).astype(np.int64) % 2) == 0)
    cov = m.reshape(RES, SS, RES, SS).mean(axis=(1, 3)).astype(np.float32)[..., None]
    img = cov * fg + (1 - cov) * bgc
    if style == "invert":
        img = 1.0 - img
    return img


def make_dataset(n, seed, style="plain"):
    rng = np.random.RandomState(seed)
    combos = all_combos()
    imgs = np.zeros((n, RES, RES, 3), np.float32)
    caps = []
    meta = []
    for i in range(n):
        s, c, b, p, z = combos[rng.randint(len(combos))]
        j = (rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-1, 1))
        imgs[i] = render(s, c, b, p, z, style, j)
        caps.append(caption(s, c, b, p, z))
        meta.append((s, c, b, p, z))
    return imgs, caps, meta


def to_tensor(imgs):  # [N,H,W,3] 0..1 -> [N,3,H,W] -1..1
    return torch.from_numpy(imgs).permute(0, 3, 1, 2).contiguous() * 2 - 1


# ----------------------------------------------------------------------------------------------------------
# Helpers that export to plain ONNX ops
# ----------------------------------------------------------------------------------------------------------

def pixel_unshuffle(x, r):
    b, c, h, w = x.shape
    x = x.reshape(b, c, h // r, r, w // r, r)
    x = x.permute(0, 1, 3, 5, 2, 4)
    return x.reshape(b, c * r * r, h // r, w // r)


def pixel_shuffle(x, r):
    b, c, h, w = x.shape
    x = x.reshape(b, c // (r * r), r, r, h, w)
    x = x.permute(0, 1, 4, 2, 5, 3)
    return x.reshape(b, c // (r * r), h * r, w * r)


# ----------------------------------------------------------------------------------------------------------
# Text encoder: CLIP architecture (token + position embeddings, causal pre-LN transformer, final LayerNorm)
# ----------------------------------------------------------------------------------------------------------

class CLIPAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, mask):
        b, n, d = x.shape
        h = self.heads
        q = self.q_proj(x).reshape(b, n, h, d // h).transpose(1, 2) * ((d // h) ** -0.5)
        k = self.k_proj(x).reshape(b, n, h, d // h).transpose(1, 2)
        v = self.v_proj(x).reshape(b, n, h, d // h).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1)
        return self.out_proj((a @ v).transpose(1, 2).reshape(b, n, d))


class CLIPMLP(nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, inner), nn.Linear(inner, d)

    def forward(self, x):
        x = self.fc1(x)
        return self.fc2(x * torch.sigmoid(1.702 * x))  # quick_gelu, as CLIP ViT-L/14


class CLIPLayer(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.self_attn = CLIPAttention(d, heads)
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.mlp = CLIPMLP(d, 4 * d)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class TextEncoder(nn.Module):
    """CLIPTextModel-shaped. ids never seen in training map to one shared 'unknown' row (row 0) through a
    49408-entry int32 remap table baked into the graph."""

    def __init__(self, known_ids, d=128, layers=2, heads=4):
        super().__init__()
        remap = torch.zeros(49408, dtype=torch.int32)
        for i, t in enumerate(sorted(known_ids)):
            remap[t] = i + 1
        self.register_buffer("remap", remap)
        self.known_ids = sorted(known_ids)
        self.token_embedding = nn.Embedding(len(known_ids) + 1, d)
        self.position_embedding = nn.Embedding(MAX_LEN, d)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.position_embedding.weight, std=0.01)
        self.layers = nn.ModuleList([CLIPLayer(d, heads) for _ in range(layers)])
        self.final_layer_norm = nn.LayerNorm(d)
        self.register_buffer("causal", torch.full((MAX_LEN, MAX_LEN), -1e9).triu(1))
        self.register_buffer("pos_ids", torch.arange(MAX_LEN))
        self.d, self.nlayers, self.heads = d, layers, heads

    def forward(self, input_ids):
        n = input_ids.shape[1]
        idx = self.remap[input_ids.long()].long()
        x = self.token_embedding(idx) + self.position_embedding(self.pos_ids[:n])
        mask = self.causal[:n, :n]
        for layer in self.layers:
            x = layer(x, mask)
        x = self.final_layer_norm(x)
        eos = input_ids.long().argmax(dim=-1)  # first EOS (the highest id), as CLIPTextModel for SD 1.x
        pooled = torch.gather(x, 1, eos.reshape(-1, 1, 1).expand(-1, 1, x.shape[2]))[:, 0]
        return x, pooled


# ----------------------------------------------------------------------------------------------------------
# VAE (pixel-shuffle autoencoder with a KL latent, 4 channels at 1/8 resolution)
# ----------------------------------------------------------------------------------------------------------

class VResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(32, c, eps=1e-6), nn.Conv2d(c, c, 3, padding=1)
        self.norm2, self.conv2 = nn.GroupNorm(32, c, eps=1e-6), nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        return x + self.conv2(F.silu(self.norm2(h)))


class VaeEncoder(nn.Module):
    def __init__(self, c=96, blocks=2):
        super().__init__()
        self.conv_in = nn.Conv2d(3 * 64, c, 1)
        self.resnets = nn.ModuleList([VResBlock(c) for _ in range(blocks)])
        self.conv_norm_out = nn.GroupNorm(32, c, eps=1e-6)
        self.conv_out = nn.Conv2d(c, 8, 3, padding=1)
        self.quant_conv = nn.Conv2d(8, 8, 1)

    def forward(self, x):  # -> moments [B,8,h,w] (mean, logvar)
        h = self.conv_in(pixel_unshuffle(x, 8))
        for r in self.resnets:
            h = r(h)
        return self.quant_conv(self.conv_out(F.silu(self.conv_norm_out(h))))


class DecoderRefiner(nn.Module):
    """Full-resolution residual stage after the pixel-shuffle readout. The readout maps each latent cell's
    features linearly to its 8x8 patch, which cannot draw a small triangle's edges crisply (a VAE round trip
    read 22 % of small shapes as circles); three 3x3 convs over the image plus the cell's features (nearest-
    upsampled) sharpen them. The last conv starts at zero, so training starts from the plain decoder."""

    def __init__(self, c_feat=128, c_up=16, c=32):
        super().__init__()
        self.feat = nn.Conv2d(c_feat, c_up, 1)
        self.conv1 = nn.Conv2d(3 + c_up, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)
        self.conv3 = nn.Conv2d(c, 3, 3, padding=1)
        nn.init.zeros_(self.conv3.weight)
        nn.init.zeros_(self.conv3.bias)

    def forward(self, img, feat):
        f = F.interpolate(self.feat(feat), scale_factor=8.0, mode="nearest")
        x = F.silu(self.conv1(torch.cat([img, f], dim=1)))
        x = F.silu(self.conv2(x))
        return img + self.conv3(x)


class VaeDecoder(nn.Module):
    def __init__(self, c=128, blocks=3, refine=False):
        super().__init__()
        self.post_quant_conv = nn.Conv2d(4, 4, 1)
        self.conv_in = nn.Conv2d(4, c, 3, padding=1)
        self.resnets = nn.ModuleList([VResBlock(c) for _ in range(blocks)])
        self.conv_norm_out = nn.GroupNorm(32, c, eps=1e-6)
        self.conv_out = nn.Conv2d(c, 3 * 64, 1)
        self.refiner = DecoderRefiner(c) if refine else None

    def forward(self, z):  # unscaled latent -> image in [-1,1] (approximately)
        h = self.conv_in(self.post_quant_conv(z))
        for r in self.resnets:
            h = r(h)
        a = F.silu(self.conv_norm_out(h))
        img = pixel_shuffle(self.conv_out(a), 8)
        return img if self.refiner is None else self.refiner(img, a)


def vae_decoder_for(state_dict):
    """The decoder a state dict was saved from (with or without the refiner stage)."""
    return VaeDecoder(refine=any(k.startswith("refiner.") for k in state_dict))


class VaeEncoderExport(nn.Module):
    """vae_encoder/model.onnx: sample [B,3,H,W] in [-1,1] -> latent_sample = mean of the latent
    distribution (deterministic; unscaled, multiply by scaling_factor before the U-Net)."""

    def __init__(self, enc):
        super().__init__()
        self.enc = enc

    def forward(self, sample):
        return self.enc(sample)[:, :4]


# ----------------------------------------------------------------------------------------------------------
# U-Net (diffusers UNet2DConditionModel names)
# ----------------------------------------------------------------------------------------------------------

def timestep_embedding(t, dim):
    """CompVis / diffusers (flip_sin_to_cos=True, freq_shift=0): [cos, sin]; t may be fractional."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    args = t.reshape(-1, 1).float() * freqs.reshape(1, -1)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class Timesteps(nn.Module):
    def __init__(self, dim):
        super().__init__()
        half = dim // 2
        self.register_buffer("freqs", torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half))

    def forward(self, t):
        args = t.reshape(-1, 1).float() * self.freqs.reshape(1, -1)
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.linear_1, self.linear_2 = nn.Linear(cin, cout), nn.Linear(cout, cout)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout, temb):
        super().__init__()
        self.norm1 = nn.GroupNorm(32, cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(32, cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


class Attention(nn.Module):
    """diffusers Attention: to_q/to_k/to_v without bias, to_out.0 with bias. `hooks` (a plain Python list, not
    registered as modules) receives the context and returns (context_k, context_v): the A1111 hypernetwork
    insertion point, applied to attn1 and attn2 alike."""

    def __init__(self, dim, ctx_dim, heads):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(ctx_dim, dim, bias=False)
        self.to_v = nn.Linear(ctx_dim, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim), nn.Dropout(0.0)])
        self.scale = (dim // heads) ** -0.5

    def forward(self, x, context=None, hn=None):
        context = x if context is None else context
        ck, cv = (context, context) if hn is None else hn(context)
        b, n, d = x.shape
        h = self.heads
        q = self.to_q(x).reshape(b, n, h, d // h).transpose(1, 2)
        k = self.to_k(ck).reshape(b, -1, h, d // h).transpose(1, 2)
        v = self.to_v(cv).reshape(b, -1, h, d // h).transpose(1, 2)
        a = torch.softmax((q @ k.transpose(-1, -2)) * self.scale, dim=-1)
        o = (a @ v).transpose(1, 2).reshape(b, n, d)
        return self.to_out[1](self.to_out[0](o))


class GEGLU(nn.Module):
    def __init__(self, din, dout):
        super().__init__()
        self.proj = nn.Linear(din, dout * 2)

    def forward(self, x):
        h, g = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(g)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim)])

    def forward(self, x):
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, ctx_dim, heads):
        super().__init__()
        self.norm1, self.attn1 = nn.LayerNorm(dim), Attention(dim, dim, heads)
        self.norm2, self.attn2 = nn.LayerNorm(dim), Attention(dim, ctx_dim, heads)
        self.norm3, self.ff = nn.LayerNorm(dim), FeedForward(dim)

    def forward(self, x, ctx, hn=None):
        x = self.attn1(self.norm1(x), None, hn) + x
        x = self.attn2(self.norm2(x), ctx, hn) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    def __init__(self, dim, ctx_dim, heads):
        super().__init__()
        self.norm = nn.GroupNorm(32, dim, eps=1e-6)
        self.proj_in = nn.Conv2d(dim, dim, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(dim, ctx_dim, heads)])
        self.proj_out = nn.Conv2d(dim, dim, 1)

    def forward(self, x, ctx, hn=None):
        b, c, h, w = x.shape
        r = x
        x = self.proj_in(self.norm(x))
        x = x.permute(0, 2, 3, 1).reshape(b, h * w, c)
        for blk in self.transformer_blocks:
            x = blk(x, ctx, hn)
        x = x.reshape(b, h, w, c).permute(0, 3, 1, 2)
        return self.proj_out(x) + r


class Downsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock(nn.Module):
    def __init__(self, cin, cout, temb, ctx_dim, heads, layers, attn, down):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, temb) for i in range(layers)])
        if attn:
            self.attentions = nn.ModuleList([Transformer2DModel(cout, ctx_dim, heads) for _ in range(layers)])
        else:
            self.attentions = None
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if down else None

    def forward(self, x, temb, ctx, hn=None):
        outs = []
        for i, r in enumerate(self.resnets):
            x = r(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, ctx, hn)
            outs.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            outs.append(x)
        return x, outs


class UpBlock(nn.Module):
    def __init__(self, skip_chs, cprev, cout, temb, ctx_dim, heads, attn, up):
        super().__init__()
        rs = []
        c = cprev
        for s in skip_chs:
            rs.append(ResnetBlock2D(c + s, cout, temb))
            c = cout
        self.resnets = nn.ModuleList(rs)
        if attn:
            self.attentions = nn.ModuleList([Transformer2DModel(cout, ctx_dim, heads) for _ in skip_chs])
        else:
            self.attentions = None
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if up else None

    def forward(self, x, skips, temb, ctx, hn=None):
        for i, r in enumerate(self.resnets):
            x = r(torch.cat([x, skips.pop()], dim=1), temb)
            if self.attentions is not None:
                x = self.attentions[i](x, ctx, hn)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UNetMidBlock2DCrossAttn(nn.Module):
    def __init__(self, c, temb, ctx_dim, heads):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, temb), ResnetBlock2D(c, c, temb)])
        self.attentions = nn.ModuleList([Transformer2DModel(c, ctx_dim, heads)])

    def forward(self, x, temb, ctx, hn=None):
        x = self.resnets[0](x, temb)
        x = self.attentions[0](x, ctx, hn)
        return self.resnets[1](x, temb)


UNET_CONFIG = dict(
    block_out_channels=[64, 96], layers_per_block=1, cross_attention_dim=128, attention_heads=4,
    down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    up_block_types=["UpBlock2D", "CrossAttnUpBlock2D"],
)


class UNet2DConditionModel(nn.Module):
    def __init__(self, block_out_channels=(64, 128), layers_per_block=1, cross_attention_dim=96,
                 attention_heads=4, down_block_types=None, up_block_types=None):
        super().__init__()
        ch = list(block_out_channels)
        temb = ch[0] * 4
        self.time_proj = Timesteps(ch[0])
        self.time_embedding = TimestepEmbedding(ch[0], temb)
        self.conv_in = nn.Conv2d(4, ch[0], 3, padding=1)
        # Deviation from SD: a 1x1 conv of two fixed coordinate maps (x, y in [-1, 1], computed from the input's
        # height/width) added after conv_in. Without it the tiny model could not learn position words within the
        # CPU budget (position accuracy stayed at chance); it does not touch any attention input/weight.
        self.coord_embedding = nn.Conv2d(2, ch[0], 1)
        n = len(ch)
        attn_down = [t.startswith("CrossAttn") for t in down_block_types]
        self.down_blocks = nn.ModuleList()
        skip = [ch[0]]
        c = ch[0]
        for i in range(n):
            final = i == n - 1
            self.down_blocks.append(DownBlock(c, ch[i], temb, cross_attention_dim, attention_heads,
                                              layers_per_block, attn_down[i], not final))
            c = ch[i]
            skip += [c] * layers_per_block + ([] if final else [c])
        self.mid_block = UNetMidBlock2DCrossAttn(ch[-1], temb, cross_attention_dim, attention_heads)
        self.up_blocks = nn.ModuleList()
        rch = ch[::-1]
        attn_up = [t.startswith("CrossAttn") for t in up_block_types]
        cprev = ch[-1]
        for i in range(n):
            final = i == n - 1
            sk = [skip.pop() for _ in range(layers_per_block + 1)]
            self.up_blocks.append(UpBlock(sk, cprev, rch[i], temb, cross_attention_dim, attention_heads,
                                          attn_up[i], not final))
            cprev = rch[i]
        self.conv_norm_out = nn.GroupNorm(32, ch[0], eps=1e-5)
        self.conv_out = nn.Conv2d(ch[0], 4, 3, padding=1)
        self.hn = None  # callable(context) -> (context_k, context_v); never a registered module

    def forward(self, sample, timestep, encoder_hidden_states):
        hn = self.hn
        temb = self.time_embedding(self.time_proj(timestep))
        h, w = sample.shape[2], sample.shape[3]
        ys = (torch.arange(h, dtype=torch.float32, device=sample.device) + 0.5) * (2.0 / h) - 1.0
        xs = (torch.arange(w, dtype=torch.float32, device=sample.device) + 0.5) * (2.0 / w) - 1.0
        coords = torch.stack([xs.reshape(1, -1).expand(h, w), ys.reshape(-1, 1).expand(h, w)]).unsqueeze(0)
        x = self.conv_in(sample) + self.coord_embedding(coords)
        skips = [x]
        for b in self.down_blocks:
            x, o = b(x, temb, encoder_hidden_states, hn)
            skips += o
        x = self.mid_block(x, temb, encoder_hidden_states, hn)
        for b in self.up_blocks:
            x = b(x, skips, temb, encoder_hidden_states, hn)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


# ----------------------------------------------------------------------------------------------------------
# Schedule (CompVis / diffusers scaled_linear) and A1111/k-diffusion samplers
# ----------------------------------------------------------------------------------------------------------

def alphas_cumprod():
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    return torch.cumprod(1 - betas, 0).float()


class KSchedule:
    def __init__(self):
        ac = alphas_cumprod()
        self.sigmas = ((1 - ac) / ac) ** 0.5
        self.log_sigmas = self.sigmas.log()

    def t_to_sigma(self, t):
        t = t.float()
        lo, hi, w = t.floor().long(), t.ceil().long(), t.frac()
        return ((1 - w) * self.log_sigmas[lo] + w * self.log_sigmas[hi]).exp()

    def sigma_to_t(self, sigma):
        ls = sigma.log()
        dists = ls - self.log_sigmas[:, None]
        lo = dists.ge(0).cumsum(dim=0).argmax(dim=0).clamp(max=self.log_sigmas.shape[0] - 2)
        hi = lo + 1
        low, high = self.log_sigmas[lo], self.log_sigmas[hi]
        w = ((low - ls) / (low - high)).clamp(0, 1)
        t = (1 - w) * lo + w * hi
        return t.view(sigma.shape)

    def get_sigmas(self, n):
        t = torch.linspace(999, 0, n)
        return torch.cat([self.t_to_sigma(t), torch.zeros(1)])


def cfg_denoise(unet, ks, x, sigma, cond, uncond, scale):
    """A1111 CFGDenoiser + CompVisDenoiser: batch [cond, uncond], CFG in denoised space."""
    b, dev = x.shape[0], x.device
    x_in = torch.cat([x, x])
    s_in = torch.cat([sigma, sigma])  # schedule maths on the CPU, as A1111; only the U-Net runs on `dev`
    c_in = (1 / (s_in ** 2 + 1) ** 0.5).to(dev)
    t = ks.sigma_to_t(s_in)
    tt = t[0] if bool((t == t[0]).all()) else t
    eps = unet((x_in * c_in[:, None, None, None]), tt.to(dev), torch.cat([cond, uncond]))
    den = x_in + eps * (-s_in).to(dev)[:, None, None, None]
    dc, du = den[:b], den[b:]
    return du + (dc - du) * scale, t


@torch.no_grad()
def sample_euler_a(unet, ks, cond, uncond, gens, steps=20, scale=7.0, record=None):
    """k-diffusion sample_euler_ancestral with A1111 noise: one torch.Generator per image."""
    b = cond.shape[0]
    sig = ks.get_sigmas(steps)
    noise = torch.stack([torch.randn((4, 8, 8), generator=g) for g in gens]).to(cond.device)  # CPU RNG, as A1111
    x = noise * sig[0]
    if record is not None:
        record["sigmas"] = sig.clone()
        record["noise0"] = noise.clone()
        record["x"] = [x.clone()]
        record["t"] = []
        record["noise"] = []
    for i in range(steps):
        s = sig[i] * torch.ones(b)
        den, t = cfg_denoise(unet, ks, x, s, cond, uncond, scale)
        s_up = torch.minimum(sig[i + 1], (sig[i + 1] ** 2 * (sig[i] ** 2 - sig[i + 1] ** 2) / sig[i] ** 2) ** 0.5)
        s_down = (sig[i + 1] ** 2 - s_up ** 2) ** 0.5
        d = (x - den) / sig[i]
        x = x + d * (s_down - sig[i])
        if sig[i + 1] > 0:
            nz = torch.stack([torch.randn((4, 8, 8), generator=g) for g in gens]).to(cond.device)
            x = x + nz * s_up
            if record is not None:
                record["noise"].append(nz.clone())
        if record is not None:
            record["x"].append(x.clone())
            record["t"].append(float(t[0]))
    return x


# ----------------------------------------------------------------------------------------------------------
# A1111 hypernetworks
# ----------------------------------------------------------------------------------------------------------
ACTIVATIONS = {"linear": nn.Identity, "relu": nn.ReLU, "leakyrelu": nn.LeakyReLU, "elu": nn.ELU,
               "swish": nn.Hardswish, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "mish": nn.Mish, "softsign": nn.Softsign}


class HypernetworkModule(nn.Module):
    """A1111 HypernetworkModule: Sequential `linear` built per §3.1 of hypernetwork-format.md."""

    def __init__(self, dim, layer_structure, activation_func=None, add_layer_norm=False, dropout_structure=None,
                 activate_output=False, seed=0):
        super().__init__()
        self.multiplier = 1.0
        ls = layer_structure
        dropout_structure = dropout_structure or [0] * len(ls)
        layers = []
        for i in range(len(ls) - 1):
            layers.append(nn.Linear(int(dim * ls[i]), int(dim * ls[i + 1])))
            if activation_func not in (None, "linear") and (i < len(ls) - 2 or activate_output):
                layers.append(ACTIVATIONS[activation_func]())
            if add_layer_norm:
                layers.append(nn.LayerNorm(int(dim * ls[i + 1])))
            if dropout_structure[i + 1] > 0:
                layers.append(nn.Dropout(p=dropout_structure[i + 1]))
        self.linear = nn.Sequential(*layers)
        g = torch.Generator().manual_seed(seed)
        for layer in self.linear:  # A1111 'Normal' initialisation
            if isinstance(layer, (nn.Linear, nn.LayerNorm)):
                with torch.no_grad():
                    layer.weight.copy_(torch.randn(layer.weight.shape, generator=g) * 0.01)
                    layer.bias.zero_()

    def forward(self, x):
        return x + self.linear(x) * self.multiplier


class Hypernetwork:
    def __init__(self, name, sizes, layer_structure, activation_func, is_layer_norm, activate_output=False,
                 seed=0, optional_info=None):
        self.name = name
        self.layer_structure = layer_structure
        self.activation_func = activation_func
        self.is_layer_norm = is_layer_norm
        self.activate_output = activate_output
        self.dropout_structure = [0] * len(layer_structure)
        self.optional_info = optional_info
        self.step = 0
        self.layers = {}
        for j, s in enumerate(sizes):
            self.layers[s] = (
                HypernetworkModule(s, layer_structure, activation_func, is_layer_norm, self.dropout_structure,
                                   activate_output, seed=seed * 1000 + 2 * j),
                HypernetworkModule(s, layer_structure, activation_func, is_layer_norm, self.dropout_structure,
                                   activate_output, seed=seed * 1000 + 2 * j + 1))

    def parameters(self):
        for k, v in self.layers.values():
            yield from k.parameters()
            yield from v.parameters()

    def to(self, device):
        for k, v in self.layers.values():
            k.to(device)
            v.to(device)
        return self

    def set_multiplier(self, m):
        for k, v in self.layers.values():
            k.multiplier = m
            v.multiplier = m

    def eval(self):
        for k, v in self.layers.values():
            k.eval()
            v.eval()

    def save(self, path, sd_checkpoint=None, sd_checkpoint_name=None):
        state = {}
        for size, (k, v) in self.layers.items():
            state[size] = (k.state_dict(), v.state_dict())
        state["step"] = self.step
        state["name"] = self.name
        state["layer_structure"] = self.layer_structure
        state["activation_func"] = self.activation_func
        state["is_layer_norm"] = self.is_layer_norm
        state["weight_initialization"] = "Normal"
        state["sd_checkpoint"] = sd_checkpoint
        state["sd_checkpoint_name"] = sd_checkpoint_name
        state["activate_output"] = self.activate_output
        state["use_dropout"] = False
        state["dropout_structure"] = self.dropout_structure
        state["last_layer_dropout"] = self.dropout_structure[-2] != 0
        state["optional_info"] = self.optional_info
        torch.save(state, path)


def hn_stack(hns):
    """A1111 apply_hypernetworks: separate K and V chains, each net in order, selected by context width."""
    def f(context):
        ck, cv = context, context
        for hn in hns:
            mods = hn.layers.get(context.shape[2])
            if mods is None:
                continue
            ck = mods[0](ck)
            cv = mods[1](cv)
        return ck, cv
    return f
