"""Automatic quality scorer for the demo model.

Prompt following (strength 0): for each seeded prompt the image is generated (Euler a, 20 steps, CFG 7, 64x64,
CPU torch.randn noise per image), then
  * background = median colour of the 2-px border -> nearest named background,
  * foreground mask = pixels farther than 60/255*sqrt(3)... (Euclidean RGB distance > 60) from that background,
  * colour = hue of the mean of the strongest foreground pixels -> nearest named hue,
  * shape = fill ratio of the mask in its bounding box (square > 0.88, circle 0.64-0.88, triangle < 0.64),
  * position = centroid -> nearest of the 5 anchors, size = bounding-box height (small < 21 px).
Style scores, per hypernetwork at strengths 0 / 0.5 / 1 on the same prompts and seeds:
  * stripes: energy of the foreground-distance map at the stripe frequency (period 8 px along x+y), normalised
    by its total; ~0 for plain shapes.
  * invert: least-squares projection of the image onto the inverted rendering of its prompt:
    t = <img - P, (1-P) - P> / |(1-P) - P|^2 where P is the clean rendering; 0 = plain, 1 = fully inverted.
"""
import colorsys

import numpy as np
import torch

import dmlib as D


KEYS = ["color", "shape", "background", "position", "size"]


def truth_of(combo):
    """A caption's words, by criterion (combo order: shape, colour, background, position, size)."""
    return dict(zip(["shape", "color", "background", "position", "size"], combo))


def to_uint8(img):
    """Decoder output [B,3,H,W] in [-1,1] -> uint8 [B,H,W,3], rounded as the app does."""
    return ((img.permute(0, 2, 3, 1) / 2 + 0.5).clamp(0, 1) * 255).round().byte().cpu().numpy()


def accuracy(imgs, combos):
    """Share of images whose classification matches each criterion of their caption."""
    hits = {k: 0 for k in KEYS}
    for img, c in zip(imgs, combos):
        pred, truth = classify(img), truth_of(c)
        for k in KEYS:
            hits[k] += pred[k] == truth[k]
    return {k: hits[k] / len(combos) for k in KEYS}


def hue_of(rgb):
    h, s, v = colorsys.rgb_to_hsv(*(np.asarray(rgb, np.float64) / 255))
    return h * 360, s, v


COLOR_HUES = {k: hue_of(v)[0] for k, v in D.COLORS.items()}


def classify(img):
    """img uint8 [64,64,3] -> dict of predictions."""
    f = img.astype(np.float32)
    border = np.concatenate([f[:2].reshape(-1, 3), f[-2:].reshape(-1, 3), f[:, :2].reshape(-1, 3),
                             f[:, -2:].reshape(-1, 3)])
    bg = np.median(border, axis=0)
    bgname = min(D.BACKGROUNDS, key=lambda k: np.linalg.norm(np.array(D.BACKGROUNDS[k]) - bg))
    dist = np.linalg.norm(f - bg, axis=2)
    mask = dist > 60
    out = dict(background=bgname, color=None, shape=None, position=None, size=None)
    if mask.sum() < 12:
        return out
    core = mask & (dist >= np.percentile(dist[mask], 50))
    h, s, v = hue_of(f[core].mean(axis=0))
    out["color"] = min(COLOR_HUES, key=lambda k: min(abs(h - COLOR_HUES[k]), 360 - abs(h - COLOR_HUES[k])))
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    fill = mask.sum() / float((y1 - y0) * (x1 - x0))
    out["fill"] = float(fill)
    # triangle also: top third narrower than bottom third
    out["shape"] = "square" if fill > 0.88 else ("circle" if fill > 0.64 else "triangle")
    cy, cx = ys.mean(), xs.mean()
    out["position"] = min(D.POSITIONS, key=lambda k: (D.POSITIONS[k][0] - cx) ** 2 + (D.POSITIONS[k][1] - cy) ** 2)
    out["size"] = "small" if (y1 - y0) < 21 else "large"
    return out


def stripe_score(img):
    f = img.astype(np.float32)
    border = np.concatenate([f[:2].reshape(-1, 3), f[-2:].reshape(-1, 3), f[:, :2].reshape(-1, 3),
                             f[:, -2:].reshape(-1, 3)])
    dist = np.linalg.norm(f - np.median(border, axis=0), axis=2)
    yy, xx = np.mgrid[0:64, 0:64] + 0.5
    ph = np.exp(-2j * np.pi * (xx + yy) / 8)
    return float(np.abs((dist * ph).sum()) / (dist.sum() + 1e-6))


def invert_score(img, combo):
    p = D.render(*combo).astype(np.float64)
    x = img.astype(np.float64) / 255
    dvec = (1 - p) - p
    return float(((x - p) * dvec).sum() / ((dvec * dvec).sum() + 1e-9))


def prompt_list(n):
    combos = D.all_combos()
    rng = np.random.RandomState(7)
    order = rng.permutation(len(combos))
    return [combos[i] for i in order[:n]]


@torch.no_grad()
def generate(te, unet, dec, scaling, combos, seeds, hns=(), batch=60):
    tok = D.ClipTokenizer()
    ks = D.KSchedule()
    dev = next(unet.parameters()).device
    unet.hn = D.hn_stack(list(hns)) if hns else None
    imgs = []
    empty = torch.tensor([tok("")], dtype=torch.int32, device=dev)
    un, _ = te(empty)
    for i in range(0, len(combos), batch):
        cb = combos[i:i + batch]
        ids = torch.tensor([tok(D.caption(*c)) for c in cb], dtype=torch.int32, device=dev)
        cond, _ = te(ids)
        gens = [torch.Generator().manual_seed(s) for s in seeds[i:i + batch]]
        x = D.sample_euler_a(unet, ks, cond, un.expand(len(cb), -1, -1), gens, 20, 7.0)
        img = dec(x / scaling)
        imgs.append(to_uint8(img))
    unet.hn = None
    return np.concatenate(imgs)


def run(te, unet, dec, scaling, hns, n=120, sheet=None, n_style=48):
    import copy
    combos = prompt_list(n)
    seeds = [1000 + i for i in range(n)]
    imgs = generate(te, unet, dec, scaling, combos, seeds)
    per = []
    for img, c in zip(imgs, combos):
        pred, truth = classify(img), truth_of(c)
        per.append(dict(prompt=D.caption(*c), pred={k: pred[k] for k in KEYS}, ok={k: pred[k] == truth[k] for k in KEYS}))
    res = {"n_prompts": n, "accuracy": accuracy(imgs, combos), "per_prompt": per}
    # style scores
    sc = combos[:n_style]
    ss = seeds[:n_style]
    res["style"] = {}
    rows = []
    for name, hn in hns.items():
        res["style"][name] = {}
        for m in [0.0, 0.5, 1.0]:
            h = copy.deepcopy(hn)
            h.set_multiplier(m)
            im = imgs[:n_style] if m == 0 else generate(te, unet, dec, scaling, sc, ss, [h])
            res["style"][name][f"{m:g}"] = dict(
                stripe=float(np.mean([stripe_score(x) for x in im])),
                invert=float(np.mean([invert_score(x, c) for x, c in zip(im, sc)])))
            rows.append((f"{name} {m:g}", im[:8]))
    if sheet:
        contact_sheet(rows, sc[:8], sheet)
    return res


def contact_sheet(rows, combos, path, scale=2):
    from PIL import Image, ImageDraw
    cell = 64 * scale
    lw, th = 90, 30
    W = lw + cell * len(combos)
    H = th + cell * len(rows)
    sheet = Image.new("RGB", (W, H), (255, 255, 255))
    d = ImageDraw.Draw(sheet)
    ab = {"left": "L", "right": "R", "top": "T", "bottom": "B", "center": "C"}
    for j, c in enumerate(combos):
        s, col, bg, pos, sz = c
        d.text((lw + j * cell + 2, 2), f"{sz} {col}", fill=(0, 0, 0))
        d.text((lw + j * cell + 2, 14), f"{s} {ab[pos]} {bg}", fill=(0, 0, 0))
    for i, (label, ims) in enumerate(rows):
        d.text((4, th + i * cell + cell // 2 - 6), label, fill=(0, 0, 0))
        for j, im in enumerate(ims):
            sheet.paste(Image.fromarray(im).resize((cell, cell), Image.NEAREST), (lw + j * cell, th + i * cell))
    sheet.save(path, optimize=True)


@torch.no_grad()
def vae_roundtrip(enc, dec, seed=3):
    """The scorer on VAE reconstructions (encoder mean -> decoder) of clean renderings of all 540 captions with
    jitter: the ceiling the VAE sets for the whole pipeline."""
    rng = np.random.RandomState(seed)
    combos = D.all_combos()
    imgs = np.stack([D.render(*c, jitter=(rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-1, 1))) for c in combos])
    dev = next(dec.parameters()).device
    x = D.to_tensor(imgs).to(dev)
    return accuracy(to_uint8(dec(enc(x)[:, :4])), combos)


def classify_dir(folder, prompts):
    """Accuracy of images written as raw 64x64 RGB (NNN.rgb, in prompt order) by sampler_scores.ts."""
    imgs = [np.fromfile(f"{folder}/{i:03d}.rgb", dtype=np.uint8).reshape(64, 64, 3) for i in range(len(prompts))]
    return accuracy(imgs, [p["combo"] for p in prompts])


if __name__ == "__main__":
    import json
    import sys
    prompts = json.load(open(sys.argv[1]))
    for folder in sys.argv[2:]:
        print(folder, json.dumps(classify_dir(folder, prompts)))
