"""A small U-Net with diffusers module names (down_blocks.N.attentions.M.transformer_blocks.0.attn1.to_k, …), so
the TorchScript exporter names its nodes `/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_k/MatMul`.
Attention is the plain MatMul/Softmax form (no fused op). `UNet.hn` is the A1111 hook: a callable taking the
attention context and returning (context_k, context_v), applied in attn1 and attn2 alike (docs §4.2)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


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
    def __init__(self, cin, cout, temb, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


class Attention(nn.Module):
    def __init__(self, dim, ctx_dim, heads, owner):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(ctx_dim, dim, bias=False)
        self.to_v = nn.Linear(ctx_dim, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim), nn.Dropout(0.0)])
        self.scale = (dim // heads) ** -0.5
        self._owner = [owner]  # plain list: the U-Net is not registered as a child

    def forward(self, x, context=None):
        context = x if context is None else context
        hn = self._owner[0].hn
        ck, cv = (context, context) if hn is None else hn(context)
        b, n, d = x.shape
        h = self.heads
        q = self.to_q(x).reshape(b, n, h, d // h).transpose(1, 2)
        k = self.to_k(ck).reshape(b, -1, h, d // h).transpose(1, 2)
        v = self.to_v(cv).reshape(b, -1, h, d // h).transpose(1, 2)
        a = torch.softmax((q @ k.transpose(-1, -2)) * self.scale, dim=-1)
        return self.to_out[1](self.to_out[0]((a @ v).transpose(1, 2).reshape(b, n, d)))


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
    def __init__(self, dim, ctx_dim, heads, owner):
        super().__init__()
        self.norm1, self.attn1 = nn.LayerNorm(dim), Attention(dim, dim, heads, owner)
        self.norm2, self.attn2 = nn.LayerNorm(dim), Attention(dim, ctx_dim, heads, owner)
        self.norm3, self.ff = nn.LayerNorm(dim), FeedForward(dim)

    def forward(self, x, ctx):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), ctx) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    def __init__(self, dim, ctx_dim, heads, groups, owner):
        super().__init__()
        self.norm = nn.GroupNorm(groups, dim, eps=1e-6)
        self.proj_in = nn.Conv2d(dim, dim, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(dim, ctx_dim, heads, owner)])
        self.proj_out = nn.Conv2d(dim, dim, 1)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        r = x
        x = self.proj_in(self.norm(x)).permute(0, 2, 3, 1).reshape(b, h * w, c)
        for blk in self.transformer_blocks:
            x = blk(x, ctx)
        return self.proj_out(x.reshape(b, h, w, c).permute(0, 3, 1, 2)) + r


class Block(nn.Module):
    """A down or up block: `layers` resnets, each followed by a transformer when `attn`."""

    def __init__(self, cins, cout, temb, ctx_dim, heads, groups, attn, resample, owner):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(c, cout, temb, groups) for c in cins])
        self.attentions = nn.ModuleList([Transformer2DModel(cout, ctx_dim, heads, groups, owner) for _ in cins]) if attn else None
        self.resample = resample
        if resample == "down":
            self.downsamplers = nn.ModuleList([nn.Conv2d(cout, cout, 3, stride=2, padding=1)])
        elif resample == "up":
            self.upsamplers = nn.ModuleList([nn.Conv2d(cout, cout, 3, padding=1)])

    def forward(self, x, temb, ctx, skips, up):
        """Down blocks push their outputs onto `skips`; up blocks pop them (called as modules so that the
        exporter's node names carry the module path)."""
        for i, r in enumerate(self.resnets):
            x = r(torch.cat([x, skips.pop()], dim=1) if up else x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, ctx)
            if not up:
                skips.append(x)
        if self.resample == "down":
            x = self.downsamplers[0](x)
            skips.append(x)
        elif self.resample == "up":
            x = self.upsamplers[0](F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return x


class MidBlock(nn.Module):
    def __init__(self, c, temb, ctx_dim, heads, groups, attn, owner):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, temb, groups), ResnetBlock2D(c, c, temb, groups)])
        self.attentions = nn.ModuleList([Transformer2DModel(c, ctx_dim, heads, groups, owner)]) if attn else None

    def forward(self, x, temb, ctx):
        x = self.resnets[0](x, temb)
        if self.attentions is not None:
            x = self.attentions[0](x, ctx)
        return self.resnets[1](x, temb)


class UNet(nn.Module):
    def __init__(self, channels=(8, 16), attn=(True, True), layers=1, ctx_dim=12, heads=2, groups=4, mid_attn=True):
        super().__init__()
        ch = list(channels)
        temb = ch[0] * 4
        self.hn = None
        self.time_proj = Timesteps(ch[0])
        self.time_embedding = TimestepEmbedding(ch[0], temb)
        self.conv_in = nn.Conv2d(4, ch[0], 3, padding=1)
        n = len(ch)
        self.down_blocks = nn.ModuleList()
        skips = [ch[0]]
        c = ch[0]
        for i in range(n):
            final = i == n - 1
            cins = [c] + [ch[i]] * (layers - 1)
            self.down_blocks.append(Block(cins, ch[i], temb, ctx_dim, heads, groups, attn[i], None if final else "down", self))
            c = ch[i]
            skips += [c] * layers + ([] if final else [c])
        self.mid_block = MidBlock(c, temb, ctx_dim, heads, groups, mid_attn, self)
        self.up_blocks = nn.ModuleList()
        for i, cout in enumerate(reversed(ch)):
            final = i == n - 1
            cins = []
            for _ in range(layers + 1):
                cins.append(c + skips.pop())
                c = cout
            self.up_blocks.append(Block(cins, cout, temb, ctx_dim, heads, groups, list(reversed(attn))[i], None if final else "up", self))
        self.conv_norm_out = nn.GroupNorm(groups, ch[0], eps=1e-5)
        self.conv_out = nn.Conv2d(ch[0], 4, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        ctx = encoder_hidden_states
        temb = self.time_embedding(self.time_proj(timestep))
        x = self.conv_in(sample)
        skips = [x]
        for b in self.down_blocks:
            x = b(x, temb, ctx, skips, False)
        x = self.mid_block(x, temb, ctx)
        for b in self.up_blocks:
            x = b(x, temb, ctx, skips, True)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


def export(model, path, sample, timestep, ctx, opset=14, external=False, dynamic=True):
    import onnx
    model.eval()
    torch.onnx.export(
        model, (sample, timestep, ctx), str(path), opset_version=opset,
        input_names=["sample", "timestep", "encoder_hidden_states"], output_names=["out_sample"],
        dynamic_axes={"sample": {0: "batch_size"}, "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
                      "out_sample": {0: "batch_size"}} if dynamic else None,
        do_constant_folding=True)
    if external:  # consolidate torch's one-file-per-tensor output into model.onnx_data
        m = onnx.load(str(path))
        for f in path.parent.iterdir():
            if f.name != path.name:
                f.unlink()
        onnx.save_model(m, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=path.name + "_data", size_threshold=1024)
