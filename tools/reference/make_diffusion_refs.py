#!/usr/bin/env python3
"""Reference numbers for src/core/diffusion, computed with real PyTorch (CPU, float32).

Run:  OMP_NUM_THREADS=2 /usr/bin/python3 tools/reference/make_diffusion_refs.py
Writes small JSON files into test/reference/diffusion/ (committed; the Vitest tests read them).

Provenance:
* randn.json     -- torch.Generator().manual_seed(seed) + torch.randn(shape, generator=g), straight from torch.
* schedule.json  -- (uniform/karras: this torch's linspace; *_v2: torch>=2.0's per-element linspace rule)
                    CompVis/k-diffusion discrete schedule built with torch ops (k-diffusion is not installed
                    here, so DiscreteSchedule.t_to_sigma / sigma_to_t / get_sigmas and get_sigmas_karras are
                    re-typed below from docs/samplers.md §1, in float32 torch exactly as k-diffusion does).
* emphasis.json  -- A1111's "Original" emphasis (multiply, then restore the chunk mean) in float32 torch.
* samplers.json  -- per-step latents of Euler, Euler a, Heun, LMS, DPM++ 2M (uniform, Karras) and A1111's DDIM
                    over a fixed fake eps model, written from the formulas of docs/samplers.md §2-§3 in
                    float32 torch (k-diffusion/A1111 are not installed). LMS coefficients use Gauss-Legendre
                    quadrature (exact for the cubic integrand) instead of scipy.integrate.quad (scipy missing).
"""
import hashlib
import json
import math
import os
import sys

import numpy as np
import torch

torch.set_num_threads(2)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'reference', 'diffusion')


def f32list(t):
    return [float(v) for v in np.asarray(t, dtype=np.float32).reshape(-1)]


def sha(t):
    return hashlib.sha256(t.detach().numpy().astype('<f4').tobytes()).hexdigest()


def dump(name, obj):
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))
        f.write('\n')
    print('wrote', os.path.relpath(path), os.path.getsize(path), 'bytes')


# ---------------------------------------------------------------------------------------------------- noise
def make_randn():
    seeds = [0, 1, 42, 1234, 4294967295, 2**63 - 1, -1, 2**32, 123456789, 3141592653]
    shapes = [(1,), (5,), (15,), (16,), (17,), (31,), (33,), (4, 8, 8), (1, 4, 8, 8), (2, 4, 8, 8), (3, 7, 11),
              (4, 64, 64), (2, 4, 64, 64)]
    cases = []
    for seed in seeds:
        for shape in shapes:
            g = torch.Generator().manual_seed(seed)
            draws = []
            for _ in range(3):  # consecutive draws from one generator
                t = torch.randn(shape, generator=g)
                flat = t.reshape(-1)
                d = {'head': f32list(flat[:8]), 'tail': f32list(flat[-8:]), 'sha256': sha(flat)}
                if flat.numel() <= 64:
                    d['all'] = f32list(flat)
                draws.append(d)
            cases.append({'seed': str(seed), 'shape': list(shape), 'draws': draws})
    # mixed sizes on one generator: scalar cache survives vectorized draws; ragged tails
    seqs = []
    for seed, sizes in [(0, [5, 16, 1, 17, 3, 1, 40, 2]), (7, [1, 1, 1, 33, 15, 16, 47]), (99, [3, 3, 100, 1])]:
        g = torch.Generator().manual_seed(seed)
        out = [f32list(torch.randn((n,), generator=g)) for n in sizes]
        seqs.append({'seed': seed, 'sizes': sizes, 'values': out})
    # A1111 batch: per-image generators seeded seed, seed+1; initial noise then two sampler draws, stacked
    batch = []
    for seed, count, shape in [(1000, 2, (4, 8, 8)), (5, 3, (4, 16, 16))]:
        gens = [torch.Generator().manual_seed(seed + i) for i in range(count)]
        draws = []
        for _ in range(3):
            t = torch.stack([torch.randn(shape, generator=g) for g in gens])
            draws.append({'sha256': sha(t.reshape(-1)), 'head': f32list(t.reshape(-1)[:4])})
        batch.append({'seed': seed, 'count': count, 'shape': list(shape), 'draws': draws})
    dump('randn.json', {'torch': torch.__version__, 'cases': cases, 'sequences': seqs, 'batches': batch})


# ------------------------------------------------------------------------------------------------- schedule
def linspace_v2(a, b, n):
    """torch >= 2.0 CPU float32 linspace (per-element rule, samplers.md §1), which A1111 1.6+ runs. The local
    torch 1.13 still writes 16-blocks with an 8-lane rule that can differ by 1 ulp; both are emitted.
    fma(step, i, a) is exact in double here (step has 24 bits, i < 2^11, |a| < 2^10), so one float32
    rounding of the double result is the fused result."""
    if n == 1:
        return torch.tensor([a], dtype=torch.float32)
    a32, b32 = np.float32(a), np.float32(b)
    step = np.float32(np.float32(b32 - a32) / np.float32(n - 1))
    half = n // 2
    vals = [np.float32(float(step) * i + float(a32)) if i < half else np.float32(-float(step) * (n - 1 - i) + float(b32))
            for i in range(n)]
    return torch.tensor(np.array(vals, dtype=np.float32))


def linspace(a, b, n, rule):
    return torch.linspace(a, b, n) if rule == 'torch' else linspace_v2(a, b, n)


class Schedule:
    """CompVis register_schedule + k-diffusion DiscreteSchedule (samplers.md §1), float32 torch."""

    def __init__(self, beta_start=0.00085, beta_end=0.012, n=1000):
        betas = torch.linspace(beta_start ** 0.5, beta_end ** 0.5, n, dtype=torch.float64) ** 2
        ac = np.cumprod(1.0 - betas.numpy(), axis=0)
        self.ac = torch.tensor(ac, dtype=torch.float32)
        self.sigmas = ((1 - self.ac) / self.ac) ** 0.5
        self.log_sigmas = self.sigmas.log()

    @property
    def sigma_min(self):
        return self.sigmas[0]

    @property
    def sigma_max(self):
        return self.sigmas[-1]

    def t_to_sigma(self, t):
        t = t.float()
        lo, hi, w = t.floor().long(), t.ceil().long(), t.frac()
        return ((1 - w) * self.log_sigmas[lo] + w * self.log_sigmas[hi]).exp()

    def sigma_to_t(self, sigma):
        log_sigma = sigma.log()
        dists = log_sigma - self.log_sigmas[:, None]
        lo = dists.ge(0).cumsum(dim=0).argmax(dim=0).clamp(max=self.log_sigmas.shape[0] - 2)
        hi = lo + 1
        low, high = self.log_sigmas[lo], self.log_sigmas[hi]
        w = ((low - log_sigma) / (low - high)).clamp(0, 1)
        t = (1 - w) * lo + w * hi
        return t.view(sigma.shape)

    def get_sigmas(self, n, rule='torch'):
        t = linspace(len(self.sigmas) - 1, 0, n, rule)
        return torch.cat([self.t_to_sigma(t), torch.zeros(1)])

    def karras(self, n, rho=7.0, rule='torch'):
        ramp = linspace(0, 1, n, rule)
        min_inv = self.sigma_min.item() ** (1 / rho)
        max_inv = self.sigma_max.item() ** (1 / rho)
        return torch.cat([(max_inv + ramp * (min_inv - max_inv)) ** rho, torch.zeros(1)])


def ddim_timesteps(steps):
    return torch.clip(torch.asarray(list(range(0, 1000, 1000 // steps))) + 1, 0, 999)


STEP_COUNTS = [1, 2, 5, 10, 15, 20, 25, 37, 50]


def make_schedule(S):
    out = {'torch': torch.__version__, 'alphas_cumprod': f32list(S.ac), 'sigmas': f32list(S.sigmas),
           'log_sigmas': f32list(S.log_sigmas), 'uniform': {}, 'karras': {}, 'uniform_v2': {}, 'karras_v2': {}, 'ddim': {}, 'sigma_to_t': {},
           't_to_sigma': {}}
    for n in STEP_COUNTS:
        u = S.get_sigmas(n)
        k = S.karras(n)
        out['uniform'][n] = f32list(u)
        out['karras'][n] = f32list(k)
        out['uniform_v2'][n] = f32list(S.get_sigmas(n, rule='v2'))
        out['karras_v2'][n] = f32list(S.karras(n, rule='v2'))
        out['sigma_to_t'][n] = {'uniform': f32list(S.sigma_to_t(u[:-1])), 'karras': f32list(S.sigma_to_t(k[:-1]))}
        ts = ddim_timesteps(n)
        out['ddim'][n] = {'timesteps': [int(v) for v in ts], 'alphas': f32list(S.ac[ts])}
    probe = torch.tensor([0.0, 0.25, 0.5, 1.0, 1.5, 17.3, 500.75, 998.999, 999.0], dtype=torch.float32)
    out['t_to_sigma'] = {'t': f32list(probe), 'sigma': f32list(S.t_to_sigma(probe))}
    sprobe = torch.tensor([0.01, 0.029167533, 0.03, 0.1, 1.0, 2.5, 7.7, 14.614642, 20.0], dtype=torch.float32)
    out['sigma_to_t_probe'] = {'sigma': f32list(sprobe), 't': f32list(S.sigma_to_t(sprobe))}
    dump('schedule.json', out)


# ------------------------------------------------------------------------------------------------- samplers
def fake_eps(x_in, t, c):
    """The fixed fake U-Net of samplers.md §4: eps = 0.1*x_in + (0.01*t)/1000 + c (float32)."""
    return 0.1 * x_in + ((0.01 * t) / 1000).view(-1, 1, 1, 1) + c


class Model:
    """A1111 CFGDenoiser over k-diffusion CompVisDenoiser (samplers.md §2), with the fake eps model."""

    def __init__(self, S, cfg):
        self.S, self.cfg, self.calls = S, cfg, 0

    def denoise(self, x, sigma):
        self.calls += 1
        sigma = sigma * torch.ones(x.shape[0])
        c_out = (-sigma).view(-1, 1, 1, 1)
        c_in = (1 / (sigma ** 2 + 1) ** 0.5).view(-1, 1, 1, 1)
        t = self.S.sigma_to_t(sigma)
        den_u = x + fake_eps(x * c_in, t, 0.0) * c_out
        if self.cfg is None:
            return den_u
        den_c = x + fake_eps(x * c_in, t, 0.05) * c_out
        return den_u + (den_c - den_u) * (1.0 * self.cfg)

    def eps(self, x, t):
        self.calls += 1
        tt = t * torch.ones(x.shape[0])
        e_u = fake_eps(x, tt, 0.0)
        if self.cfg is None:
            return e_u
        e_c = fake_eps(x, tt, 0.05)
        return e_u + (e_c - e_u) * (1.0 * self.cfg)


def to_d(x, sigma, denoised):
    return (x - denoised) / sigma


def euler(model, x, sigmas, noise, cb):
    for i in range(len(sigmas) - 1):
        den = model.denoise(x, sigmas[i])
        d = to_d(x, sigmas[i], den)
        x = x + d * (sigmas[i + 1] - sigmas[i])
        cb(x)
    return x


def euler_a(model, x, sigmas, noise, cb, eta=1.0, s_noise=1.0):
    for i in range(len(sigmas) - 1):
        den = model.denoise(x, sigmas[i])
        sf, st = sigmas[i], sigmas[i + 1]
        sigma_up = min(st, eta * (st ** 2 * (sf ** 2 - st ** 2) / sf ** 2) ** 0.5)
        sigma_down = (st ** 2 - sigma_up ** 2) ** 0.5
        d = to_d(x, sf, den)
        x = x + d * (sigma_down - sf)
        if st > 0:
            x = x + noise() * s_noise * sigma_up
        cb(x)
    return x


def heun(model, x, sigmas, noise, cb):
    for i in range(len(sigmas) - 1):
        den = model.denoise(x, sigmas[i])
        d = to_d(x, sigmas[i], den)
        dt = sigmas[i + 1] - sigmas[i]
        if sigmas[i + 1] == 0:
            x = x + d * dt
        else:
            x2 = x + d * dt
            d2 = to_d(x2, sigmas[i + 1], model.denoise(x2, sigmas[i + 1]))
            x = x + ((d + d2) / 2) * dt
        cb(x)
    return x


GL_NODES, GL_WEIGHTS = np.polynomial.legendre.leggauss(4)  # exact for polynomials of degree <= 7


def lms_coeff(order, t, i, j):
    def fn(tau):
        prod = 1.0
        for k in range(order):
            if j == k:
                continue
            prod *= (tau - float(t[i - k])) / (t[i - j] - t[i - k])  # float32 denominator, double numerator
        return float(prod)
    a, b = float(t[i]), float(t[i + 1])
    mid, half = (a + b) / 2, (b - a) / 2
    return half * sum(float(w) * fn(mid + half * float(z)) for z, w in zip(GL_NODES, GL_WEIGHTS))


def lms(model, x, sigmas, noise, cb, order=4):
    s_np = sigmas.numpy()
    ds = []
    for i in range(len(sigmas) - 1):
        den = model.denoise(x, sigmas[i])
        ds.append(to_d(x, sigmas[i], den))
        if len(ds) > order:
            ds.pop(0)
        cur = min(i + 1, order)
        coeffs = [lms_coeff(cur, s_np, i, j) for j in range(cur)]
        x = x + sum(c * d for c, d in zip(coeffs, reversed(ds)))
        cb(x)
    return x


def dpmpp_2m(model, x, sigmas, noise, cb):
    def sigma_fn(t):
        return t.neg().exp()

    def t_fn(s):
        return s.log().neg()
    old = None
    for i in range(len(sigmas) - 1):
        den = model.denoise(x, sigmas[i])
        t, t_next = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = t_next - t
        if old is None or sigmas[i + 1] == 0:
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * den
        else:
            h_last = t - t_fn(sigmas[i - 1])
            r = h_last / h
            dd = (1 + 1 / (2 * r)) * den - (1 / (2 * r)) * old
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * dd
        old = den
        cb(x)
    return x


def ddim(model, S, x, steps, noise, cb, eta=0.0):
    ts = ddim_timesteps(steps)
    alphas = S.ac[ts]
    alphas_prev = S.ac[torch.nn.functional.pad(ts[:-1], pad=(1, 0))].to(torch.float64)
    sqrt_1m = torch.sqrt(1 - alphas)
    a64 = alphas.to(torch.float64)
    sig = eta * torch.sqrt((1 - alphas_prev) / (1 - a64) * (1 - a64 / alphas_prev))
    s_x = x.new_ones((x.shape[0], 1, 1, 1))
    for i in range(len(ts) - 1):
        idx = len(ts) - 1 - i
        e = model.eps(x, ts[idx].item())
        a_t = alphas[idx].item() * s_x
        a_prev = alphas_prev[idx].item() * s_x
        sigma_t = sig[idx].item() * s_x
        s1m = sqrt_1m[idx].item() * s_x
        x0 = (x - s1m * e) / a_t.sqrt()
        dir_xt = (1. - a_prev - sigma_t ** 2).sqrt() * e
        nz = sigma_t * noise()
        x = a_prev.sqrt() * x0 + dir_xt + nz
        cb(x)
    return x


SAMPLERS = {
    'euler': ('uniform', euler), 'euler_a': ('uniform', euler_a), 'heun': ('uniform', heun),
    'lms': ('uniform', lms), 'dpmpp_2m': ('uniform', dpmpp_2m), 'dpmpp_2m_karras': ('karras', dpmpp_2m),
    'ddim': (None, None),
}


def make_samplers(S):
    configs = [
        {'name': 'b1_10_nocfg', 'seeds': [0], 'shape': [4, 2, 2], 'steps': 10, 'cfg': None},
        {'name': 'b1_10_cfg', 'seeds': [0], 'shape': [4, 2, 2], 'steps': 10, 'cfg': 7.5},
        {'name': 'b2_20_cfg', 'seeds': [7, 8], 'shape': [4, 3, 3], 'steps': 20, 'cfg': 7.0},
        {'name': 'b1_25_nocfg', 'seeds': [123], 'shape': [4, 2, 2], 'steps': 25, 'cfg': None},
        {'name': 'b1_30_cfg', 'seeds': [2024], 'shape': [4, 2, 2], 'steps': 30, 'cfg': 5.0},
    ]
    out = {'torch': torch.__version__, 'model': 'eps = 0.1*x_in + (0.01*t)/1000 + c; c = 0.05 cond, 0 uncond',
           'configs': []}
    for cfgd in configs:
        res = {**cfgd, 'runs': {}}
        for name, (sched, fn) in SAMPLERS.items():
            gens = [torch.Generator().manual_seed(s) for s in cfgd['seeds']]

            def noise():
                return torch.stack([torch.randn(cfgd['shape'], generator=g) for g in gens])
            model = Model(S, cfgd['cfg'])
            steps_out = []

            def cb(x):
                steps_out.append(f32list(x))
            x = noise()
            if name == 'ddim':
                ddim(model, S, x, cfgd['steps'], noise, cb)
                sig = None
            else:
                # torch-2 linspace rule (what A1111 runs); every other op is this torch's own
                sig = S.get_sigmas(cfgd['steps'], rule='v2') if sched == 'uniform' else S.karras(cfgd['steps'], rule='v2')
                fn(model, x * sig[0], sig, noise, cb)
            res['runs'][name] = {'calls': model.calls, 'steps': steps_out,
                                 'sigmas': f32list(sig) if sig is not None else None}
        out['configs'].append(res)
    dump('samplers.json', out)


# ------------------------------------------------------------------------------------------------ emphasis
def make_emphasis():
    """A1111 EmphasisOriginal.after_transformers per 77-token chunk (prompt-weighting.md §5), float32 torch."""
    g = torch.Generator().manual_seed(77)
    dim, chunks = 8, 2
    z = torch.randn((chunks, 77, dim), generator=g) * 0.8 + 0.1
    w = [1.0] * (77 * chunks)
    for i, v in [(1, 1.1), (2, 1.2100000000000002), (3, 0.9090909090909091), (5, 1.5), (80, 0.5), (81, 1.3), (90, -1.1)]:
        w[i] = v
    out = []
    for c in range(chunks):
        zc = z[c:c + 1]
        m = torch.asarray(w[c * 77:(c + 1) * 77]).reshape(1, 77, 1)
        original_mean = zc.mean()
        zc = zc * m.expand(zc.shape)
        new_mean = zc.mean()
        zc = zc * (original_mean / new_mean)
        out.append(zc)
    dump('emphasis.json', {'torch': torch.__version__, 'dim': dim, 'z': f32list(z), 'weights': w,
                           'out': f32list(torch.cat(out))})


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    S = Schedule()
    what = sys.argv[1:] or ['randn', 'schedule', 'samplers', 'emphasis']
    if 'randn' in what:
        make_randn()
    if 'schedule' in what:
        make_schedule(S)
    if 'samplers' in what:
        make_samplers(S)
    if 'emphasis' in what:
        make_emphasis()
