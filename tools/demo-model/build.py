#!/usr/bin/env python3
"""Train and export the Hypernetwork Studio demo pipeline (see README.md).

    OMP_NUM_THREADS=2 /usr/bin/python3 tools/demo-model/build.py            # everything (~40 min on 2 cores)
    ... build.py --scale 0.02                                                # smoke test (~2 min)
    ... build.py --stages export,ref,score                                   # re-export from checkpoints

Stages: data, vae, refine, unet, hn, export, ref, score (also encode, pack, unpack). Checkpoints go to --work (default /tmp/demo-model-work).
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dmlib as D  # noqa: E402
import score  # noqa: E402

DEMO = "sd-shapes-demo"
HN_SPECS = [  # name, style, layer_structure, activation, layer norm, seed
    dict(name="stripes", style="stripes", layer_structure=[1.0, 2.0, 1.0], activation_func="relu", is_layer_norm=False,
         seed=11, optional_info="Demo: diagonal stripe texture inside shapes. Trained on sd-shapes-demo."),
    dict(name="invert", style="invert", layer_structure=[1.0, 1.5, 1.0], activation_func="mish", is_layer_norm=True,
         seed=12, lr=3e-3, cap=330,
         optional_info="Demo: inverted palette (negative image). Trained on sd-shapes-demo."),
]
STEPS = dict(vae=1500, refine=9000, unet=4000, hn=700)  # maximum steps per stage
CAPS = dict(vae=300, refine=1500, unet=1440, hn=270)      # CPU caps in seconds of a 2-core machine (see Progress)
WALL_FACTOR = dict(vae=1.0, refine=1.0, unet=1.0, hn=1.0)  # wall limit = cap * factor (raise on a loaded machine)
BUDGET = {}  # --budget: plain wall-clock seconds per stage (GPU runs), replacing the CPU caps
BATCH = dict(vae=64, refine=32, unet=64, hn=64)
LR = dict(vae=2e-3, unet=1e-3)
DEV = torch.device("cpu")
LOG = None


def tload(path):
    """Our own checkpoints hold lists and metadata: newer torch must not load them weights-only."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # torch without weights_only
        return torch.load(path, map_location="cpu")


def rand(kind, *args, g, **kw):
    """torch.randn/randint/rand on the training device with that device's generator."""
    return getattr(torch, kind)(*args, generator=g, device=DEV, **kw)


def log(*a):
    s = time.strftime("%H:%M:%S ") + " ".join(str(x) for x in a)
    print(s, flush=True)
    if LOG:
        with open(LOG, "a") as f:
            f.write(s + "\n")


class Progress:
    """Training progress = max(step / max_steps, elapsed / wall cap); the cosine LR follows it, so a stage ends
    cleanly at whichever limit comes first (the steps actually done are logged and saved)."""

    def __init__(self, steps, cap, scale, wall_factor=1.0, name=""):
        self.steps, self.t0, self.c0 = steps, time.time(), time.process_time()
        self.cap = cap * max(scale, 0.02)          # CPU budget: cap seconds on 2 cores = 2*cap CPU-seconds
        self.wall = self.cap * wall_factor         # wall-time limit (for a loaded, shared machine)
        if name in BUDGET:                         # accelerator run: only steps and wall time count
            self.cap, self.wall = float("inf"), BUDGET[name]
        self.stop = os.path.join(os.environ.get("DEMO_WORK", "/tmp/demo-model-work"), "STOP_" + name)

    def p(self, s):
        if os.path.exists(self.stop):
            return 1.0
        return max(s / self.steps, (time.process_time() - self.c0) / (2 * self.cap),
                   (time.time() - self.t0) / self.wall)


def lr_at(step, prog, base, warm=50):
    if step < warm:
        return base * (step + 1) / warm
    p = min(1.0, prog)
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * p)))


# ------------------------------------------------------------------------------------------------ data
def stage_data(a):
    t0 = time.time()
    n = max(256, int(12000 * min(1.0, a.scale * 5)))
    ns = max(128, int(3000 * min(1.0, a.scale * 5)))
    n, ns = int(n * a.data_mult), int(ns * a.data_mult)
    out = {}
    for style, cnt, seed in [("plain", n, 1), ("stripes", ns, 2), ("invert", ns, 3)]:
        imgs, caps, meta = make_dataset_parallel(cnt, seed, style)
        out[style] = dict(imgs=torch.from_numpy(imgs), caps=caps, meta=meta)
    torch.save(out, os.path.join(a.work, "data.pt"))
    log(f"data: {n}+{ns}+{ns} images in {time.time() - t0:.1f}s")


def _chunk(args):
    return D.make_dataset(*args)


def make_dataset_parallel(n, seed, style, chunk=1500):
    """The dataset in fixed chunks (seed*1000 + k), so it is the same on 2 cores or 16."""
    jobs = [(min(chunk, n - i), seed * 1000 + k, style) for k, i in enumerate(range(0, n, chunk))]
    procs = min(len(jobs), os.cpu_count() or 1)
    if procs > 2:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(procs) as pool:
            parts = pool.map(_chunk, jobs)
    else:
        parts = [_chunk(j) for j in jobs]
    return (np.concatenate([p[0] for p in parts]), sum((p[1] for p in parts), []), sum((p[2] for p in parts), []))


# ------------------------------------------------------------------------------------------------ vae
def stage_vae(a):
    t0 = time.time()
    torch.manual_seed(100)
    data = tload(os.path.join(a.work, "data.pt"))
    pool = D.to_tensor(torch.cat([data["plain"]["imgs"], data["stripes"]["imgs"], data["invert"]["imgs"]]).numpy())
    pool = pool.to(DEV)
    enc, dec = D.VaeEncoder().to(DEV), D.VaeDecoder().to(DEV)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.AdamW(params, lr=LR["vae"], weight_decay=0.0)
    steps = max(5, int(STEPS["vae"] * a.scale))
    pr = Progress(steps, CAPS["vae"], a.scale, WALL_FACTOR["vae"], "vae")
    g = torch.Generator(device=DEV).manual_seed(101)
    s = 0
    while pr.p(s) < 1:
        for pg in opt.param_groups:
            pg["lr"] = lr_at(s, pr.p(s), LR["vae"])
        idx = rand("randint", len(pool), (BATCH["vae"],), g=g)
        x = pool[idx]
        m = enc(x)
        mean, logvar = m[:, :4], m[:, 4:].clamp(-30, 20)
        z = mean + rand("randn", mean.shape, g=g) * (0.5 * logvar).exp()
        y = dec(z)
        rec = (y - x).abs().mean() + 2 * (y - x).pow(2).mean()
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        loss = rec + 3e-4 * kl
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if s % 100 == 0:
            log(f"vae {s}/{steps} rec {rec.item():.4f} kl {kl.item():.3f} std {logvar.exp().sqrt().mean().item():.3f}")
        s += 1
    steps = s
    enc.eval(), dec.eval()
    # latents of the whole dataset (mean, logvar) and the SD-style scaling factor 1/std
    lat = encode_dataset(enc, data)
    scaling = float(1.0 / lat["plain"][:, :4].std())
    with torch.no_grad():
        x = D.to_tensor(data["plain"]["imgs"][:256].numpy()).to(DEV)
        err = (dec(enc(x)[:, :4]) - x).abs().mean().item() / 2 * 255
    enc, dec = enc.cpu(), dec.cpu()
    torch.save(dict(enc=enc.state_dict(), dec=dec.state_dict(), scaling=scaling, lat=lat,
                    wall=time.time() - t0, steps=steps, mae255=err), os.path.join(a.work, "vae.pt"))
    log(f"vae done: {steps} steps, {time.time() - t0:.0f}s, scaling_factor {scaling:.5f}, recon MAE {err:.2f}/255")


@torch.no_grad()
def encode_dataset(enc, data):
    """Encoder moments (mean, logvar) of every image, per style, on the CPU."""
    return {style: torch.cat([enc(D.to_tensor(d["imgs"][i:i + 256].numpy()).to(DEV)).cpu()
                              for i in range(0, len(d["imgs"]), 256)]) for style, d in data.items()}


def stage_encode(a):
    """Latents of the dataset with an existing VAE (after `unpack`, whose vae.pt carries none)."""
    data = tload(os.path.join(a.work, "data.pt"))
    enc, _, ck = load_vae(a)
    ck["lat"] = encode_dataset(enc, data)
    torch.save(ck, os.path.join(a.work, "vae.pt"))
    log(f"encoded {sum(len(v) for v in ck['lat'].values())} images")


def stage_refine(a):
    """Adds the decoder's refiner stage and trains it (and, gently, the rest of the decoder) with the encoder
    frozen: the latent space, hence the U-Net and the hypernetworks trained in it, stay valid."""
    t0 = time.time()
    torch.manual_seed(150)
    data = tload(os.path.join(a.work, "data.pt"))
    enc, old, ck = load_vae(a)
    dec = D.VaeDecoder(refine=True).to(DEV)
    missing = dec.load_state_dict(old.state_dict(), strict=False).missing_keys
    assert all(k.startswith("refiner.") for k in missing), missing
    pool_x = torch.cat([D.to_tensor(data[s]["imgs"].numpy()) for s in data]).to(DEV)
    pool_m = torch.cat([ck["lat"][s] for s in data]).to(DEV)
    head = list(dec.refiner.parameters())
    body = [p for n, p in dec.named_parameters() if not n.startswith("refiner.")]
    lr = LR.get("refine", 2e-3)
    opt = torch.optim.AdamW([dict(params=head, lr=lr), dict(params=body, lr=lr / 10)], weight_decay=0.0)
    steps = max(5, int(STEPS["refine"] * a.scale))
    pr = Progress(steps, CAPS["refine"], a.scale, WALL_FACTOR["refine"], "refine")
    g = torch.Generator(device=DEV).manual_seed(151)
    s = 0
    while pr.p(s) < 1:
        scale = lr_at(s, pr.p(s), 1.0, warm=50)
        opt.param_groups[0]["lr"], opt.param_groups[1]["lr"] = lr * scale, lr / 10 * scale
        idx = rand("randint", len(pool_x), (BATCH["refine"],), g=g)
        x, m = pool_x[idx], pool_m[idx]
        mean, logvar = m[:, :4], m[:, 4:].clamp(-30, 20)
        z = mean + rand("randn", mean.shape, g=g) * (0.5 * logvar).exp()
        y = dec(z)
        loss = (y - x).abs().mean() + 2 * (y - x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(head + body, 1.0)
        opt.step()
        if s % 100 == 0:
            log(f"refine {s}/{steps} loss {loss.item():.4f} ({time.time() - t0:.0f}s)")
        s += 1
    dec.eval()
    with torch.no_grad():
        x = pool_x[:256]
        err = (dec(enc(x)[:, :4]) - x).abs().mean().item() / 2 * 255
    # a second `refine` run continues the first: steps and wall time add up
    ck.update(dec=cpu_state(dec), refine_steps=ck.get("refine_steps", 0) + s,
              refine_wall=ck.get("refine_wall", 0) + time.time() - t0, mae255_refined=err)
    torch.save(ck, os.path.join(a.work, "vae.pt"))
    log(f"refine done: {s} steps, {time.time() - t0:.0f}s, recon MAE {err:.2f}/255 (was {ck['mae255']:.2f})")


def load_vae(a):
    ck = tload(os.path.join(a.work, "vae.pt"))
    enc, dec = D.VaeEncoder(), D.vae_decoder_for(ck["dec"])
    enc.load_state_dict(ck["enc"]), dec.load_state_dict(ck["dec"])
    enc.eval(), dec.eval()
    return enc.to(DEV), dec.to(DEV), ck


# ------------------------------------------------------------------------------------------------ unet
def known_ids(tok):
    ids = set(tok(""))
    for c in D.all_combos():
        ids |= set(tok(D.caption(*c)))
    return ids


def caption_ids(tok, caps):
    cache = {}
    out = []
    for c in caps:
        if c not in cache:
            cache[c] = tok(c)
        out.append(cache[c])
    return torch.tensor(out, dtype=torch.int32)


def ema_update(ema, model, decay):
    with torch.no_grad():
        pe, pm = list(ema.parameters()), [p.detach() for p in model.parameters()]
        torch._foreach_mul_(pe, decay)
        torch._foreach_add_(pe, pm, alpha=1 - decay)


def diffusion_loss(unet, te, lat, ids, g, ac, min_snr=5.0):
    b = lat.shape[0]
    mean, logvar = lat[:, :4], lat[:, 4:]
    x0 = (mean + rand("randn", mean.shape, g=g) * (0.5 * logvar).exp()) * SCALING[0]
    t = rand("randint", 0, 1000, (b,), g=g)
    noise = rand("randn", x0.shape, g=g)
    a_t = ac[t][:, None, None, None]
    xt = a_t.sqrt() * x0 + (1 - a_t).sqrt() * noise
    h, _ = te(ids)
    eps = unet(xt, t.float(), h)
    # Loss weight in x0 terms is lambda = SNR * w. Plain epsilon loss gives lambda = SNR, which is ~0.005-0.1 at
    # the high-noise steps where layout (position, shape) is decided, so a small model never learns position
    # words. We use lambda = clamp(SNR, 0.3, 5) (min-SNR-5 at low noise), with w capped at 20 near t = 999.
    snr = ac[t] / (1 - ac[t])
    w = (torch.clamp(snr, min=0.3, max=min_snr) / snr).clamp(max=20.0)
    return ((eps - noise).pow(2).mean(dim=(1, 2, 3)) * w).mean()


SCALING = [1.0]


def stage_unet(a):
    t0 = time.time()
    torch.manual_seed(200)
    data = tload(os.path.join(a.work, "data.pt"))
    _, _, vck = load_vae(a)
    SCALING[0] = vck["scaling"]
    tok = D.ClipTokenizer()
    kid = known_ids(tok)
    lat = vck["lat"]["plain"].to(DEV)
    ids_all = caption_ids(tok, data["plain"]["caps"]).to(DEV)
    empty = torch.tensor(tok(""), dtype=torch.int32, device=DEV)
    te = D.TextEncoder(kid).to(DEV)
    unet = D.UNet2DConditionModel(**D.UNET_CONFIG).to(DEV)
    if a.init_unet:  # continue from a checkpoint (its EMA weights), with a fresh optimizer and schedule
        ck = tload(a.init_unet)
        te.load_state_dict(ck["te"]), unet.load_state_dict(ck["unet"])
        log(f"unet: continuing from {a.init_unet} ({ck.get('steps')} steps)")
    te_ema, unet_ema = copy.deepcopy(te), copy.deepcopy(unet)
    params = list(unet.parameters()) + list(te.parameters())
    opt = torch.optim.AdamW(params, lr=LR["unet"], weight_decay=0.01)
    ac = D.alphas_cumprod().to(DEV)
    steps = max(5, int(STEPS["unet"] * a.scale))
    pr = Progress(steps, CAPS["unet"], a.scale, WALL_FACTOR["unet"], "unet")
    g = torch.Generator(device=DEV).manual_seed(201)
    B = BATCH["unet"]
    run = 0.0
    s = 0
    last_save = time.time()
    while pr.p(s) < 1:
        for pg in opt.param_groups:
            pg["lr"] = lr_at(s, pr.p(s), LR["unet"], warm=100)
        idx = rand("randint", len(lat), (B,), g=g)
        ids = ids_all[idx].clone()
        drop = rand("rand", B, g=g) < 0.1
        ids[drop] = empty
        loss = diffusion_loss(unet, te, lat[idx], ids, g, ac)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        d = min(0.999, (1 + s) / (10 + s))
        ema_update(unet_ema, unet, d)
        ema_update(te_ema, te, d)
        if s % 100 == 0:
            run = loss.item() if s == 0 else 0.8 * run + 0.2 * loss.item()  # .item() syncs: only every 100
            log(f"unet {s}/{steps} loss {run:.4f} ({time.time() - t0:.0f}s, cpu {time.process_time():.0f}s)")
        if (DEV.type == "cpu" and s % 250 == 249) or time.time() - last_save > 60:
            save_unet(a, unet_ema, te_ema, kid, wall=time.time() - t0, steps=s + 1)
            last_save = time.time()
        s += 1
    steps = s
    save_unet(a, unet_ema, te_ema, kid, wall=time.time() - t0, cpu=time.process_time() - pr.c0, steps=steps)
    log(f"unet done: {steps} steps, {time.time() - t0:.0f}s")


def cpu_state(m):
    return {k: v.detach().cpu() for k, v in m.state_dict().items()}


def save_unet(a, unet, te, kid, **info):
    torch.save(dict(unet=cpu_state(unet), te=cpu_state(te), known_ids=sorted(kid), **info),
               os.path.join(a.work, "unet.pt"))


def load_base(a):
    ck = tload(os.path.join(a.work, "unet.pt"))
    te = D.TextEncoder(set(ck["known_ids"]))
    te.load_state_dict(ck["te"])
    unet = D.UNet2DConditionModel(**D.UNET_CONFIG)
    unet.load_state_dict(ck["unet"])
    te.eval(), unet.eval()
    for p in list(te.parameters()) + list(unet.parameters()):
        p.requires_grad_(False)
    return te.to(DEV), unet.to(DEV), ck


HN_SIZES = [128, 64, 96]  # text width first, as A1111 lists 768 first; then the self-attention widths


def stage_hn(a):
    data = tload(os.path.join(a.work, "data.pt"))
    _, _, vck = load_vae(a)
    SCALING[0] = vck["scaling"]
    te, unet, _ = load_base(a)
    tok = D.ClipTokenizer()
    ac = D.alphas_cumprod().to(DEV)
    empty = torch.tensor(tok(""), dtype=torch.int32, device=DEV)
    walls, hsteps = {}, {}
    wf = os.path.join(a.work, "hn_wall.json")
    if os.path.exists(wf):
        old = json.load(open(wf))
        walls, hsteps = old["wall"], old["steps"]
    for spec in HN_SPECS:
        if a.hn_names and spec["name"] not in a.hn_names.split(","):
            continue
        t0 = time.time()
        torch.manual_seed(300 + spec["seed"])
        hn = D.Hypernetwork(spec["name"], HN_SIZES, spec["layer_structure"], spec["activation_func"],
                            spec["is_layer_norm"], activate_output=False, seed=spec["seed"],
                            optional_info=spec["optional_info"]).to(DEV)
        params = list(hn.parameters())
        lr = spec.get("lr", 1e-3)
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
        lat = vck["lat"][spec["style"]].to(DEV)
        ids_all = caption_ids(tok, data[spec["style"]]["caps"]).to(DEV)
        unet.hn = D.hn_stack([hn])
        steps = max(5, int(STEPS["hn"] * a.scale))
        pr = Progress(steps, spec.get("cap", CAPS["hn"]), a.scale, WALL_FACTOR["hn"], "hn")
        g = torch.Generator(device=DEV).manual_seed(400 + spec["seed"])
        run = 0.0
        s = 0
        while pr.p(s) < 1:
            for pg in opt.param_groups:
                pg["lr"] = lr_at(s, pr.p(s), lr, warm=20)
            idx = rand("randint", len(lat), (BATCH["hn"],), g=g)
            ids = ids_all[idx].clone()
            ids[rand("rand", BATCH["hn"], g=g) < 0.1] = empty
            loss = diffusion_loss(unet, te, lat[idx], ids, g, ac)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            hn.step += 1
            if s % 50 == 0:
                run = loss.item() if s == 0 else 0.7 * run + 0.3 * loss.item()
                log(f"hn {spec['name']} {s}/{steps} loss {run:.4f}")
            s += 1
        steps = s
        unet.hn = None
        hn.eval()
        hn.to("cpu")
        walls[spec["name"]] = time.time() - t0
        hsteps[spec["name"]] = steps
        os.makedirs(a.hn_dir, exist_ok=True)
        hn.save(os.path.join(a.hn_dir, spec["name"] + ".pt"), sd_checkpoint=None, sd_checkpoint_name=DEMO)
        log(f"hn {spec['name']} done {steps} steps {walls[spec['name']]:.0f}s")
    with open(os.path.join(a.work, "hn_wall.json"), "w") as f:
        json.dump(dict(wall=walls, steps=hsteps), f)


def load_hn(path):
    """Load an A1111 .pt back into our Hypernetwork class (strict)."""
    sd = tload(path)
    sizes = [k for k in sd if type(k) is int]
    hn = D.Hypernetwork(sd["name"], sizes, sd["layer_structure"], sd["activation_func"], sd["is_layer_norm"],
                        sd["activate_output"])
    for s in sizes:
        hn.layers[s][0].load_state_dict(sd[s][0], strict=True)
        hn.layers[s][1].load_state_dict(sd[s][1], strict=True)
    hn.eval()
    return hn


# ------------------------------------------------------------------------------------------------ export
class UNetExport(torch.nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.unet(sample, timestep, encoder_hidden_states)


def onnx_export(model, args, path, inputs, outputs, axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    kw = {}
    if "dynamo" in torch.onnx.export.__code__.co_varnames:
        kw["dynamo"] = False
    torch.onnx.export(model, args, path, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                      opset_version=17, do_constant_folding=True, **kw)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = sorted({(n.domain or "ai.onnx", n.op_type) for n in m.graph.node})
    assert all(d == "ai.onnx" for d, _ in ops), ops
    return m, [o for _, o in ops]


def stage_export(a):
    import onnx
    _, dec, vck = load_vae(a)
    enc = load_vae(a)[0]
    te, unet, uck = load_base(a)
    tok = D.ClipTokenizer()
    root = a.model_dir
    os.makedirs(root, exist_ok=True)
    info = {}
    # text encoder
    ids = torch.tensor([tok("a small red circle on the left, white background"), tok("")], dtype=torch.int32)
    m, ops = onnx_export(te, (ids,), os.path.join(root, "text_encoder", "model.onnx"), ["input_ids"],
                         ["last_hidden_state", "pooler_output"],
                         {"input_ids": {0: "batch_size", 1: "sequence_length"},
                          "last_hidden_state": {0: "batch_size", 1: "sequence_length"},
                          "pooler_output": {0: "batch_size"}})
    info["text_encoder"] = ops
    # unet
    h, _ = te(ids)
    x = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(5))
    m, ops = onnx_export(unet, (x, torch.tensor(500.5), h), os.path.join(root, "unet", "model.onnx"),
                         ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
                         {"sample": {0: "batch_size", 2: "height", 3: "width"},
                          "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
                          "out_sample": {0: "batch_size", 2: "height", 3: "width"}})
    info["unet"] = ops
    names = [n.name for n in m.graph.node]
    for need in ["/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_k/MatMul",
                 "/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_v/MatMul",
                 "/down_blocks.0/attentions.0/transformer_blocks.0/attn2/to_k/MatMul",
                 "/down_blocks.0/attentions.0/transformer_blocks.0/attn2/to_v/MatMul",
                 "/down_blocks.1/attentions.0/transformer_blocks.0/attn1/to_k/MatMul",
                 "/mid_block/attentions.0/transformer_blocks.0/attn2/to_v/MatMul",
                 "/up_blocks.1/attentions.0/transformer_blocks.0/attn2/to_k/MatMul",
                 "/up_blocks.1/attentions.1/transformer_blocks.0/attn1/to_v/MatMul"]:
        assert need in names, need
    info["unet_kv_matmuls"] = sorted(n for n in names if n.endswith(("/to_k/MatMul", "/to_v/MatMul")))
    # vae
    z = torch.randn(1, 4, 8, 8)
    _, ops = onnx_export(dec, (z,), os.path.join(root, "vae_decoder", "model.onnx"), ["latent_sample"], ["sample"],
                         {"latent_sample": {0: "batch_size", 2: "latent_height", 3: "latent_width"},
                          "sample": {0: "batch_size", 2: "height", 3: "width"}})
    info["vae_decoder"] = ops
    img = torch.zeros(1, 3, 64, 64)
    _, ops = onnx_export(D.VaeEncoderExport(enc), (img,), os.path.join(root, "vae_encoder", "model.onnx"),
                         ["sample"], ["latent_sample"],
                         {"sample": {0: "batch_size", 2: "height", 3: "width"},
                          "latent_sample": {0: "batch_size", 2: "latent_height", 3: "latent_width"}})
    info["vae_encoder"] = ops
    tok.write_hf_files(os.path.join(root, "tokenizer"))
    write_configs(root, te, unet, vck, uck)
    with open(os.path.join(a.work, "export_info.json"), "w") as f:
        json.dump(info, f, indent=1)
    for k in ["text_encoder", "unet", "vae_decoder", "vae_encoder"]:
        log(f"export {k}: {os.path.getsize(os.path.join(root, k, 'model.onnx')) / 1e6:.2f} MB ops {info[k]}")


def nparams(m):
    return sum(p.numel() for p in m.parameters())


def write_configs(root, te, unet, vck, uck):
    def dump(obj, *p):
        os.makedirs(os.path.dirname(os.path.join(root, *p)), exist_ok=True)
        with open(os.path.join(root, *p), "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")

    dump({"_class_name": "ORTStableDiffusionPipeline", "_diffusers_version": "0.27.2",
          "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
          "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ["optimum", "ORTModelTextEncoder"],
          "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["optimum", "ORTModelUnet"],
          "vae_decoder": ["optimum", "ORTModelVaeDecoder"], "vae_encoder": ["optimum", "ORTModelVaeEncoder"]},
         "model_index.json")
    dump({"_class_name": "PNDMScheduler", "_diffusers_version": "0.27.2", "beta_end": 0.012,
          "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False, "num_train_timesteps": 1000,
          "prediction_type": "epsilon", "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1,
          "timestep_spacing": "leading", "trained_betas": None}, "scheduler", "scheduler_config.json")
    dump({"_name_or_path": "hypernetwork-studio/sd-shapes-demo", "architectures": ["CLIPTextModel"],
          "model_type": "clip_text_model", "hidden_size": te.d, "intermediate_size": 4 * te.d,
          "num_attention_heads": te.heads, "num_hidden_layers": te.nlayers, "max_position_embeddings": 77,
          "vocab_size": 49408, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5, "projection_dim": te.d,
          "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 49407, "torch_dtype": "float32",
          "demo_notes": {"input_ids_dtype": "int32",
                         "known_token_ids": len(te.known_ids),
                         "unknown_tokens": "ids never seen in training share one embedding row (remap table in graph)",
                         "parameters": nparams(te)}},
         "text_encoder", "config.json")
    c = D.UNET_CONFIG
    dump({"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.27.2", "act_fn": "silu",
          "attention_head_dim": c["attention_heads"], "block_out_channels": c["block_out_channels"],
          "center_input_sample": False, "cross_attention_dim": c["cross_attention_dim"],
          "down_block_types": c["down_block_types"], "downsample_padding": 1, "flip_sin_to_cos": True,
          "freq_shift": 0, "in_channels": 4, "layers_per_block": c["layers_per_block"], "mid_block_scale_factor": 1,
          "norm_eps": 1e-5, "norm_num_groups": 32, "out_channels": 4, "sample_size": 8,
          "up_block_types": c["up_block_types"],
          "demo_notes": {"timestep_dtype": "float32 scalar (fractional values allowed)",
                         "self_attention_widths": sorted(set(c["block_out_channels"])),
                         "text_width": c["cross_attention_dim"], "parameters": nparams(unet),
                         "resolution": "64x64 pixels = 8x8 latent; height/width must be multiples of 2"}},
         "unet", "config.json")
    vae = {"_class_name": "AutoencoderKL", "_diffusers_version": "0.27.2", "act_fn": "silu", "in_channels": 3,
           "out_channels": 3, "latent_channels": 4, "norm_num_groups": 32, "sample_size": 64,
           "scaling_factor": round(vck["scaling"], 6),
           "demo_notes": {"architecture": "pixel-shuffle autoencoder: pixel_unshuffle(8) -> 1x1 conv -> ResNet "
                                          "blocks (mirrored in the decoder), KL latent, 4 channels at 1/8 "
                                          "resolution; not diffusers' conv VAE"
                                          + ("; the decoder ends in a full-resolution refiner (3 convs over the "
                                             "image and the upsampled cell features)"
                                             if any(k.startswith("refiner.") for k in vck["dec"]) else ""),
                          "vae_encoder_output": "latent_sample = mean of the latent distribution (unscaled)",
                          "pixel_range": "[-1, 1]",
                          "decoder_parameters": nparams(load_vae_decoder_only(vck)),
                          "encoder_parameters": nparams(load_vae_encoder_only(vck))}}
    dump(vae, "vae_decoder", "config.json")
    dump(vae, "vae_encoder", "config.json")


def load_vae_decoder_only(vck):
    d = D.vae_decoder_for(vck["dec"])
    d.load_state_dict(vck["dec"])
    return d


def load_vae_encoder_only(vck):
    e = D.VaeEncoder()
    e.load_state_dict(vck["enc"])
    return e


# ------------------------------------------------------------------------------------------------ reference
REF_PROMPTS = ["a large blue square on the right, white background", "a small red circle on the left, black background",
               "a large yellow triangle in the center, gray background", ""]
SAMPLE_PROMPT = "a large green circle at the top, white background"


def stage_ref(a):
    from PIL import Image
    te, unet, _ = load_base(a)
    _, dec, vck = load_vae(a)
    enc = load_vae(a)[0]
    tok = D.ClipTokenizer()
    out = a.ref_dir
    os.makedirs(out, exist_ok=True)
    manifest = {"format": "little-endian float32 (or int32) .bin files, row-major; shapes below",
                "generator": "tools/demo-model/build.py --stages ref (PyTorch %s, CPU, float32)" % torch.__version__,
                "model": f"public/models/{DEMO}", "tensors": {}}

    def put(name, t, dtype="float32", **extra):
        arr = t.detach().cpu().numpy().astype("<f4" if dtype == "float32" else "<i4")
        arr.tofile(os.path.join(out, name + ".bin"))
        manifest["tensors"][name] = dict(file=name + ".bin", dtype=dtype, shape=list(arr.shape), **extra)

    # text encoder
    ids = torch.tensor([tok(p) for p in REF_PROMPTS], dtype=torch.int32)
    with torch.no_grad():
        hs, pooled = te(ids)
    put("text_input_ids", ids, "int32")
    put("text_last_hidden_state", hs)
    put("text_pooler_output", pooled)
    manifest["text_prompts"] = REF_PROMPTS
    manifest["text_token_ids_unpadded"] = {p: tok.encode(p) for p in REF_PROMPTS}
    # unet cases
    sample = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(1234))
    ehs = torch.cat([hs[0:1], hs[3:4]])  # [cond, uncond(empty prompt)]
    ts = 500.5
    put("unet_sample", sample)
    put("unet_encoder_hidden_states", ehs)
    manifest["unet_timestep"] = ts
    hns = {s["name"]: load_hn(os.path.join(a.hn_dir, s["name"] + ".pt")) for s in HN_SPECS}
    cases = {"unet_out_none": []}
    for n in hns:
        for m in [0.0, 0.5, 1.0, -0.5]:
            cases[f"unet_out_{n}_{m:g}"] = [(n, m)]
    n1, n2 = [s["name"] for s in HN_SPECS]
    cases[f"unet_out_stack_{n1}_1_{n2}_0.5"] = [(n1, 1.0), (n2, 0.5)]
    cases[f"unet_out_stack_{n2}_0.5_{n1}_1"] = [(n2, 0.5), (n1, 1.0)]
    manifest["unet_cases"] = {}
    for name, spec in cases.items():
        hl = []
        for n, m in spec:
            h = copy.deepcopy(hns[n])
            h.set_multiplier(m)
            hl.append(h)
        unet.hn = D.hn_stack(hl) if hl else None
        with torch.no_grad():
            o = unet(sample, torch.tensor(ts), ehs)
        unet.hn = None
        put(name, o)
        manifest["unet_cases"][name] = [dict(hypernetwork=f"public/hypernetworks/{n}.pt", strength=m)
                                        for n, m in spec]
    # full sampling run: Euler a (A1111/k-diffusion), 20 steps, CFG 7, seed 42, 64x64
    ks = D.KSchedule()
    sid = torch.tensor([tok(SAMPLE_PROMPT), tok("")], dtype=torch.int32)
    with torch.no_grad():
        sh, _ = te(sid)
    rec = {}
    x = D.sample_euler_a(unet, ks, sh[0:1], sh[1:2], [torch.Generator().manual_seed(42)], 20, 7.0, rec)
    with torch.no_grad():
        img = dec(x / vck["scaling"])
    put("sample_sigmas", rec["sigmas"])
    put("sample_noise_initial", rec["noise0"])
    put("sample_noise_steps", torch.stack(rec["noise"]))
    put("sample_latents", torch.stack(rec["x"]))  # [21,1,4,8,8]: initial (noise*sigma0) + after each step
    put("sample_final_latent", x)
    put("sample_image", img)  # decoder output [-1,1]
    u8 = score.to_uint8(img)[0]
    Image.fromarray(u8).save(os.path.join(out, "sample_image.png"))
    manifest["sampling"] = dict(prompt=SAMPLE_PROMPT, negative_prompt="", seed=42, sampler="Euler a",
                                steps=20, cfg_scale=7.0, width=64, height=64, noise_source="CPU torch.randn",
                                timesteps=rec["t"], scaling_factor=vck["scaling"],
                                token_ids=dict(cond=tok(SAMPLE_PROMPT), uncond=tok("")),
                                image_png="sample_image.png",
                                notes="sample_latents[0] = noise*sigmas[0]; sample_latents[i+1] = x after step i; "
                                      "sample_noise_steps[i] = Euler-a noise added at step i (steps 0..18); "
                                      "image = vae_decoder(final/scaling_factor), PNG = round(clamp(img/2+0.5)*255)")
    # vae encoder on the reference image
    with torch.no_grad():
        zl = enc(img)[:, :4]
    put("vae_encoder_latent", zl)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    log(f"reference data written: {len(manifest['tensors'])} tensors")


# ------------------------------------------------------------------------------------------------ score
def stage_score(a):
    te, unet, uck = load_base(a)
    _, dec, vck = load_vae(a)
    hns = {s["name"]: load_hn(os.path.join(a.hn_dir, s["name"] + ".pt")).to(DEV) for s in HN_SPECS}
    res = score.run(te, unet, dec, vck["scaling"], hns, n=max(24, int(120 * min(1, a.scale * 20))),
                    sheet=os.path.join(a.score_out, "samples.png"))
    vk = tload(os.path.join(a.work, "vae.pt"))
    walls = dict(vae=vk["wall"], unet=uck["wall"])
    steps = dict(vae=vk["steps"], unet=uck["steps"])
    if "refine_steps" in vk:
        walls["vae_decoder_refine"], steps["vae_decoder_refine"] = vk["refine_wall"], vk["refine_steps"]
    if os.path.exists(os.path.join(a.work, "hn_wall.json")):
        hw = json.load(open(os.path.join(a.work, "hn_wall.json")))
        walls.update(hw["wall"])
        steps.update(hw["steps"])
    res["train_wall_s"] = walls
    res["train_steps"] = steps
    res["params"] = dict(unet=nparams(unet), text_encoder=nparams(te),
                         vae_decoder=nparams(dec), vae_encoder=nparams(load_vae(a)[0]))
    res["vae_recon_mae_255"] = vck.get("mae255_refined", vck["mae255"])
    res["vae_roundtrip"] = score.vae_roundtrip(load_vae(a)[0], dec)
    res["scaling_factor"] = vck["scaling"]
    with open(os.path.join(a.score_out, "scores.json"), "w") as f:
        json.dump(res, f, indent=1)
    log("scores: " + json.dumps({k: v for k, v in res.items() if k != "per_prompt"}))


# ------------------------------------------------------------------------------------------------ pack / unpack
# A run on an accelerator machine (newer torch) hands its weights back as plain .npz + .json, and `unpack` turns
# them into this machine's checkpoints and A1111 .pt files, so every shipped pickle is written by Debian's torch.
def _npz(path, **parts):
    np.savez(path, **{f"{p}/{k}": v.detach().cpu().numpy() for p, sd in parts.items() for k, v in sd.items()})


def _from_npz(path, part):
    z = np.load(path)
    pre = part + "/"
    return {k[len(pre):]: torch.from_numpy(z[k].copy()) for k in z.files if k.startswith(pre)}


def stage_pack(a):
    os.makedirs(a.pack, exist_ok=True)
    vk = tload(os.path.join(a.work, "vae.pt"))
    _npz(os.path.join(a.pack, "vae.npz"), enc=vk["enc"], dec=vk["dec"])
    meta = dict(vae={k: vk[k] for k in ("scaling", "wall", "steps", "mae255", "refine_steps", "refine_wall",
                                        "mae255_refined") if k in vk})
    if os.path.exists(os.path.join(a.work, "unet.pt")):
        uk = tload(os.path.join(a.work, "unet.pt"))
        _npz(os.path.join(a.pack, "unet.npz"), unet=uk["unet"], te=uk["te"])
        meta["unet"] = {k: v for k, v in uk.items() if k not in ("unet", "te")}
    for spec in HN_SPECS:
        path = os.path.join(a.hn_dir, spec["name"] + ".pt")
        if os.path.exists(path):
            sd = tload(path)
            sizes = [k for k in sd if type(k) is int]
            _npz(os.path.join(a.pack, f"hn_{spec['name']}.npz"),
                 **{f"{sz}.{j}": sd[sz][j] for sz in sizes for j in (0, 1)})
            meta["hn_" + spec["name"]] = dict(step=sd["step"], sizes=sizes)
    wf = os.path.join(a.work, "hn_wall.json")
    if os.path.exists(wf):
        meta["hn_wall"] = json.load(open(wf))
    with open(os.path.join(a.pack, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    log(f"packed into {a.pack}: {sorted(os.listdir(a.pack))}")


def stage_unpack(a):
    meta = json.load(open(os.path.join(a.pack, "meta.json")))
    torch.save(dict(enc=_from_npz(os.path.join(a.pack, "vae.npz"), "enc"),
                    dec=_from_npz(os.path.join(a.pack, "vae.npz"), "dec"), lat=None, **meta["vae"]),
               os.path.join(a.work, "vae.pt"))
    if "unet" in meta:
        u = os.path.join(a.pack, "unet.npz")
        torch.save(dict(unet=_from_npz(u, "unet"), te=_from_npz(u, "te"), **meta["unet"]),
                   os.path.join(a.work, "unet.pt"))
    for spec in HN_SPECS:
        m = meta.get("hn_" + spec["name"])
        if not m:
            continue
        hn = D.Hypernetwork(spec["name"], m["sizes"], spec["layer_structure"], spec["activation_func"],
                            spec["is_layer_norm"], activate_output=False, optional_info=spec["optional_info"])
        z = os.path.join(a.pack, f"hn_{spec['name']}.npz")
        for sz in m["sizes"]:
            for j in (0, 1):
                hn.layers[sz][j].load_state_dict(_from_npz(z, f"{sz}.{j}"), strict=True)
        hn.step = m["step"]
        os.makedirs(a.hn_dir, exist_ok=True)
        hn.save(os.path.join(a.hn_dir, spec["name"] + ".pt"), sd_checkpoint=None, sd_checkpoint_name=DEMO)
    if "hn_wall" in meta:
        with open(os.path.join(a.work, "hn_wall.json"), "w") as f:
            json.dump(meta["hn_wall"], f)
    log(f"unpacked {a.pack}: {sorted(meta)}")


def _kv(text, cast=float):
    return {k: cast(v) for k, v in (kv.split("=") for kv in filter(None, text.split(",")))}


def main():
    global LOG
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=1.0, help="multiply all step counts (smoke test: 0.02)")
    p.add_argument("--stages", default="data,vae,refine,unet,hn,export,ref,score")
    p.add_argument("--work", default="/tmp/demo-model-work")
    p.add_argument("--hn-names", default="", help="train only these hypernetworks (comma-separated)")
    p.add_argument("--wall-factor", default="", help="e.g. unet=2.5,hn=1.5: allow more wall time than the CPU "
                                                       "cap on a loaded machine")
    p.add_argument("--out", default=D.REPO, help="repository root to write public/ and test/ into")
    p.add_argument("--device", default="cpu", help="training device for data..hn and score (cuda on a GPU machine); "
                                                 "export and ref always run on the CPU")
    p.add_argument("--budget", default="", help="e.g. vae=40,unet=270,hn=30: wall seconds per stage, replacing the "
                                                "CPU caps (accelerator runs)")
    p.add_argument("--steps", default="", help="e.g. unet=100000: maximum steps per stage")
    p.add_argument("--batch", default="", help="e.g. unet=256: batch size per stage")
    p.add_argument("--lr", default="", help="e.g. unet=2e-3: base learning rate per stage")
    p.add_argument("--data-mult", type=float, default=1.0, help="multiply the dataset size")
    p.add_argument("--score-out", default=D.HERE, help="folder for scores.json and samples.png")
    p.add_argument("--init-unet", default="", help="unet.pt checkpoint to continue training from")
    p.add_argument("--pack", default="", help="folder for the pack/unpack stages (npz + json hand-over)")
    a = p.parse_args()
    global DEV
    DEV = torch.device(a.device)
    BUDGET.update(_kv(a.budget))
    STEPS.update(_kv(a.steps, int))
    BATCH.update(_kv(a.batch, int))
    LR.update(_kv(a.lr))
    if DEV.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    a.model_dir = os.path.join(a.out, "public", "models", DEMO)
    a.hn_dir = os.path.join(a.out, "public", "hypernetworks")
    a.ref_dir = os.path.join(a.out, "test", "reference", "demo")
    os.makedirs(a.work, exist_ok=True)
    os.environ["DEMO_WORK"] = a.work
    for kv in filter(None, a.wall_factor.split(",")):
        k, v = kv.split("=")
        WALL_FACTOR[k] = float(v)
    LOG = os.path.join(a.work, "build.log")
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    t0 = time.time()
    log(f"build start: stages {a.stages} scale {a.scale} torch {torch.__version__} threads {torch.get_num_threads()} "
        f"device {DEV} budget {BUDGET} batch {BATCH} lr {LR} steps {STEPS}")
    for st in a.stages.split(","):
        if st in ("export", "ref") and DEV.type != "cpu":
            raise SystemExit(f"stage {st} runs on the CPU only (drop --device)")
        ts = time.time()
        globals()["stage_" + st](a)
        log(f"stage {st}: {time.time() - ts:.0f}s")
    log(f"build done in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
