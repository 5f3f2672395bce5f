#!/usr/bin/env python3
"""Reference numbers for issue 14's samplers, schedules, noise and img2img/hires arithmetic (CPU, float32).

Run (k-diffusion and UniPC are read from checkouts; nothing of theirs is copied into this repository):

    KDIFFUSION_SRC=/path/to/k-diffusion   # crowsonkb/k-diffusion at v0.0.16 (ab527a9), the commit A1111 pins
    UNIPC_SRC=/path/to/UniPC              # wl-zhao/UniPC (A1111's uni_pc.py is a copy of its SD example)
    TORCHSDE_SRC=/path/to/torchsde        # google-research/torchsde at v0.2.6 (its `trampoline` dependency is
                                          # stood in for by a few lines here)
    OMP_NUM_THREADS=2 /usr/bin/python3 tools/reference/make_sampler_refs.py [what...]

Needs Debian's python3-torch, python3-numpy and python3-scipy (scipy: LMS quadrature, beta schedule). Writes
JSON into test/reference/diffusion/ (committed; the Vitest tests read them, never this script).

Provenance, per file:
* brownian.json  -- k-diffusion's BrownianTreeNoiseSampler over torchsde's BrownianTree (real code), with
                    torchsde's normal draws replaced as A1111 replaces them (`randn_local`: a CPU generator seeded
                    with the node's seed, A1111's CPU RNG source): the noise of a run's queries, and the four SDE
                    samplers' per-step latents with that noise.
* samplers2.json -- every sampler's per-step latents. The k-diffusion samplers are k-diffusion's own
                    `sample_*` functions (real code, loaded from KDIFFUSION_SRC with tqdm/torchsde/torchdiffeq
                    stubbed: the Brownian tree is replaced by a noise sampler that draws from the image's torch
                    generator, so that every deterministic part is checked exactly), wrapped in k-diffusion's
                    CompVisDenoiser / CompVisVDenoiser over a fake CompVis model, with A1111's CFG combine,
                    A1111 1.10's default schedule per sampler and its discard-penultimate-sigma rule. DDIM and
                    PLMS are A1111's sd_samplers_timesteps_impl re-typed from its text; UniPC is UNIPC_SRC's
                    UniPC class driven as A1111's UniPCCFG drives it; LCM is A1111's LCMCompVisDenoiser and
                    sample_lcm re-typed. Noise: A1111's ImageRNG (one generator per image, ENSD reseed).
* schedules.json -- A1111 1.10's schedule types (sd_schedulers.py re-typed; k-diffusion's get_sigmas_*).
* variation.json -- A1111's ImageRNG.first(): variation seeds (slerp) and "resize seed from".
* upscale.json   -- torch.nn.functional.interpolate in A1111's latent upscale modes; LayerNorm (clip skip).
* img2img.json   -- A1111's img2img step arithmetic per sampler family and the noised initial latents.
torch.linspace is patched to torch >= 2.0's per-element float32 rule (docs/samplers.md §1), which A1111 runs.
"""
import importlib.util
import json
import math
import os
import sys
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_diffusion_refs as base  # noqa: E402  (linspace_v2, Schedule, f32list, dump)

torch.set_num_threads(2)
_torch_linspace = torch.linspace


def _linspace(start, end, steps, *args, **kwargs):
    dtype = kwargs.get('dtype')
    if (dtype is None or dtype == torch.float32) and not args and steps >= 2:
        return base.linspace_v2(float(start), float(end), int(steps)).to(kwargs.get('device', 'cpu'))
    return _torch_linspace(start, end, steps, *args, **kwargs)


torch.linspace = _linspace
f32list = base.f32list


def load_torchsde():
    """torchsde's Brownian classes without its SDE solvers; A1111's replacement of its normal draws."""
    src = os.environ.get('TORCHSDE_SRC')
    if not src:
        sys.exit('set TORCHSDE_SRC to a torchsde checkout at v0.2.6')
    tr = types.ModuleType('trampoline')

    class TailCall(BaseException):
        def __init__(self, call):
            self.call = call

    def trampoline(gen):  # run generator-based recursion: `yield g` calls g, `raise TailCall(g)` replaces
        stack, value = [gen], None
        while stack:
            try:
                nxt = stack[-1].send(value)
            except StopIteration as e:
                stack.pop()
                value = e.value
                continue
            except TailCall as t:
                stack.pop()
                stack.append(t.call)
                value = None
                continue
            stack.append(nxt)
            value = None
        return value
    tr.TailCall, tr.trampoline = TailCall, trampoline
    sys.modules['trampoline'] = tr
    pkg = types.ModuleType('torchsde')
    pkg.__path__ = [os.path.join(src, 'torchsde')]
    sys.modules['torchsde'] = pkg
    brownian = importlib.import_module('torchsde._brownian')
    bi = importlib.import_module('torchsde._brownian.brownian_interval')
    # A1111 sd_samplers_common.replace_torchsde_browinan, CPU RNG source: devices.randn_local(seed, size)
    bi._randn = lambda size, dtype, device, seed: torch.randn(size, generator=torch.Generator('cpu').manual_seed(int(seed))).to(device=device, dtype=dtype)
    pkg.BrownianTree = brownian.BrownianTree
    return pkg


def load_kdiffusion():
    src = os.environ.get('KDIFFUSION_SRC')
    if not src:
        sys.exit('set KDIFFUSION_SRC to a k-diffusion checkout at ab527a9 (v0.0.16)')
    load_torchsde()
    for name in ['tqdm', 'tqdm.auto', 'torchdiffeq']:
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules['tqdm.auto'].trange = lambda n, disable=None: range(n)
    sys.modules['tqdm.auto'].tqdm = None
    sys.modules['tqdm'].trange = sys.modules['tqdm.auto'].trange
    sys.modules['torchdiffeq'].odeint = None
    pkg = types.ModuleType('k_diffusion')
    pkg.__path__ = [os.path.join(src, 'k_diffusion')]
    sys.modules['k_diffusion'] = pkg
    utils = types.ModuleType('k_diffusion.utils')  # torchvision-free stand-in for the one helper sampling uses
    utils.append_dims = lambda x, n: x[(...,) + (None,) * (n - x.ndim)]
    sys.modules['k_diffusion.utils'] = utils
    pkg.utils = utils
    out = {}
    for name in ['sampling', 'external']:
        spec = importlib.util.spec_from_file_location(f'k_diffusion.{name}', os.path.join(src, 'k_diffusion', f'{name}.py'))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[f'k_diffusion.{name}'] = mod
        setattr(pkg, name, mod)
        spec.loader.exec_module(mod)
        out[name] = mod
    return out['sampling'], out['external']


def load_unipc():
    src = os.environ.get('UNIPC_SRC')
    if not src:
        sys.exit('set UNIPC_SRC to a wl-zhao/UniPC checkout')
    path = os.path.join(src, 'example', 'stable-diffusion', 'ldm', 'models', 'diffusion', 'uni_pc', 'uni_pc.py')
    spec = importlib.util.spec_from_file_location('uni_pc', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


K, EXT = load_kdiffusion()
S = base.Schedule()


# ------------------------------------------------------------------------------------------- fake model
class FakeLDM:
    """A CompVis LatentDiffusion stand-in: apply_model(x, t, cond) = 0.1*x + (0.01*t)/1000 + c per row.
    cond is a [B] tensor of c values (0.05 for cond rows, 0 for uncond rows)."""

    def __init__(self, ac64):
        self.alphas_cumprod = torch.tensor(ac64, dtype=torch.float32)
        self.sqrt_alphas_cumprod = torch.tensor(np.sqrt(ac64), dtype=torch.float32)
        self.sqrt_one_minus_alphas_cumprod = torch.tensor(np.sqrt(1. - ac64), dtype=torch.float32)
        self.calls = 0
        self.ts = []

    def apply_model(self, x, t, cond):
        self.calls += 1
        t = torch.as_tensor(t).float().reshape(-1) * torch.ones(x.shape[0])
        self.ts.append(float(t[0]))
        return 0.1 * x + ((0.01 * t) / 1000).view(-1, 1, 1, 1) + cond.view(-1, 1, 1, 1)


AC64 = np.cumprod(1.0 - (torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2).numpy(), axis=0)


class CFG:
    """A1111 CFGDenoiser: x_in = [x (cond rows), x (uncond rows)], combine_denoised on the inner outputs."""

    def __init__(self, inner, cfg, batch):
        self.inner, self.cfg, self.batch = inner, cfg, batch

    def __call__(self, x, sigma, **kwargs):
        if self.cfg is None:
            return self.inner(x, sigma, cond=torch.zeros(self.batch))
        x_in = torch.cat([x, x])
        s_in = torch.cat([sigma, sigma])
        cond = torch.cat([torch.full((self.batch,), 0.05), torch.zeros(self.batch)])
        out = self.inner(x_in, s_in, cond=cond)
        uncond = out[-self.batch:]
        den = torch.clone(uncond)
        for i in range(self.batch):
            den[i] += (out[i] - uncond[i]) * (1.0 * self.cfg)
        return den


class TimestepsDenoiser:
    """A1111 CompVisTimestepsDenoiser / CompVisTimestepsVDenoiser."""

    def __init__(self, ldm, v):
        self.ldm, self.v = ldm, v

    def __call__(self, x, t, cond):
        out = self.ldm.apply_model(x, t, cond)
        if not self.v:
            return out
        ti = t.to(torch.int).long()  # A1111 indexes with .to(torch.int); torch 1.13 wants int64 indices
        return self.ldm.sqrt_alphas_cumprod[ti, None, None, None] * out + self.ldm.sqrt_one_minus_alphas_cumprod[ti, None, None, None] * x


class KDenoiser:
    """k-diffusion's CompVisDenoiser / CompVisVDenoiser with the fake model (cond passed through)."""

    def __init__(self, ldm, v):
        cls = EXT.CompVisVDenoiser if v else EXT.CompVisDenoiser
        self.wrap = cls(ldm, quantize=False)
        self.ldm = ldm

    def __call__(self, x, sigma, cond):
        return self.wrap(x, sigma, cond=cond)


class ImageRNG:
    """A1111 modules/rng.py ImageRNG for the CPU source (re-typed; variation and seed resize included)."""

    def __init__(self, shape, seeds, subseeds=None, subseed_strength=0.0, resize_h=0, resize_w=0, ensd=0):
        self.shape, self.seeds, self.subseeds = tuple(shape), seeds, subseeds
        self.strength, self.rh, self.rw, self.ensd = subseed_strength, resize_h, resize_w, ensd
        self.gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
        self.first_done = False
        self.draws = 0

    def first(self):
        noise_shape = self.shape if self.rh <= 0 or self.rw <= 0 else (self.shape[0], int(self.rh) // 8, int(self.rw // 8))
        xs = []
        for i, (seed, g) in enumerate(zip(self.seeds, self.gens)):
            subnoise = None
            if self.subseeds is not None and self.strength != 0:
                subseed = 0 if i >= len(self.subseeds) else self.subseeds[i]
                subnoise = torch.randn(noise_shape, generator=torch.Generator().manual_seed(int(subseed)))
            if noise_shape != self.shape:
                noise = torch.randn(noise_shape, generator=torch.Generator().manual_seed(int(seed)))
            else:
                noise = torch.randn(self.shape, generator=g)
            if subnoise is not None:
                noise = slerp(self.strength, noise, subnoise)
            if noise_shape != self.shape:
                x = torch.randn(self.shape, generator=g)
                dx = (self.shape[2] - noise_shape[2]) // 2
                dy = (self.shape[1] - noise_shape[1]) // 2
                w = noise_shape[2] if dx >= 0 else noise_shape[2] + 2 * dx
                h = noise_shape[1] if dy >= 0 else noise_shape[1] + 2 * dy
                tx = 0 if dx < 0 else dx
                ty = 0 if dy < 0 else dy
                dx = max(-dx, 0)
                dy = max(-dy, 0)
                x[:, ty:ty + h, tx:tx + w] = noise[:, dy:dy + h, dx:dx + w]
                noise = x
            xs.append(noise)
        if self.ensd:
            self.gens = [torch.Generator().manual_seed(int(s) + self.ensd) for s in self.seeds]
        return torch.stack(xs)

    def next(self):
        self.draws += 1
        if not self.first_done:
            self.first_done = True
            return self.first()
        return torch.stack([torch.randn(self.shape, generator=g) for g in self.gens])


def slerp(val, low, high):
    """A1111 rng.slerp (from the PyTorch forum), on one image's [C, H, W] noise."""
    low_norm = low / torch.norm(low, dim=1, keepdim=True)
    high_norm = high / torch.norm(high, dim=1, keepdim=True)
    dot = (low_norm * high_norm).sum(1)
    if dot.mean() > 0.9995:
        return low * val + high * (1 - val)
    omega = torch.acos(dot)
    so = torch.sin(omega)
    return (torch.sin((1.0 - val) * omega) / so).unsqueeze(1) * low + (torch.sin(val * omega) / so).unsqueeze(1) * high


class TorchHijack:
    """A1111's k_diffusion.sampling.torch replacement: randn_like draws the image generators' next tensor."""

    def __init__(self, rng):
        self.rng = rng

    def __getattr__(self, item):
        if item == 'randn_like':
            return lambda x: self.rng.next()
        return getattr(torch, item)


# ------------------------------------------------------------------------------------------- schedules
def sch_uniform(n, smin, smax, inner):
    return inner.get_sigmas(n)


def sch_sgm_uniform(n, smin, smax, inner):
    start = inner.sigma_to_t(torch.tensor(smax))
    end = inner.sigma_to_t(torch.tensor(smin))
    sigs = [inner.t_to_sigma(ts) for ts in torch.linspace(start, end, n + 1)[:-1]]
    sigs += [0.0]
    return torch.FloatTensor(sigs)


def sch_ays(n, smin, smax, inner):
    sigmas = [14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029]

    def loglinear_interp(t_steps, num_steps):
        xs = np.linspace(0, 1, len(t_steps))
        ys = np.log(t_steps[::-1])
        new_xs = np.linspace(0, 1, num_steps)
        new_ys = np.interp(new_xs, xs, ys)
        return np.exp(new_ys)[::-1].copy()
    if n != len(sigmas):
        sigmas = np.append(loglinear_interp(sigmas, n), [0.0])
    else:
        sigmas.append(0.0)
    return torch.FloatTensor(sigmas)


def sch_kl_optimal(n, smin, smax, inner):
    alpha_min = torch.arctan(torch.tensor(smin))
    alpha_max = torch.arctan(torch.tensor(smax))
    idx = torch.arange(n + 1)
    return torch.tan(idx / n * alpha_min + (1.0 - idx / n) * alpha_max)


def sch_simple(n, smin, smax, inner):
    sigs = []
    ss = len(inner.sigmas) / n
    for x in range(n):
        sigs += [float(inner.sigmas[-(1 + int(x * ss))])]
    sigs += [0.0]
    return torch.FloatTensor(sigs)


def sch_normal(n, smin, smax, inner):
    start = inner.sigma_to_t(torch.tensor(smax))
    end = inner.sigma_to_t(torch.tensor(smin))
    ts = torch.linspace(start, end, n)
    sigs = [inner.t_to_sigma(t) for t in ts]
    sigs += [0.0]
    return torch.FloatTensor(sigs)


def sch_ddim(n, smin, smax, inner):
    sigs = []
    ss = max(len(inner.sigmas) // n, 1)
    x = 1
    while x < len(inner.sigmas):
        sigs += [float(inner.sigmas[x])]
        x += ss
    sigs = sigs[::-1]
    sigs += [0.0]
    return torch.FloatTensor(sigs)


def sch_beta(n, smin, smax, inner, alpha=0.6, beta=0.6):
    from scipy import stats
    timesteps = 1 - np.linspace(0, 1, n)
    timesteps = [stats.beta.ppf(x, alpha, beta) for x in timesteps]
    sigmas = [smin + (x * (smax - smin)) for x in timesteps]
    sigmas += [0.0]
    return torch.FloatTensor(sigmas)


SCHEDULES = {
    'uniform': sch_uniform,
    'karras': lambda n, smin, smax, inner: K.get_sigmas_karras(n=n, sigma_min=smin, sigma_max=smax),
    'exponential': lambda n, smin, smax, inner: K.get_sigmas_exponential(n=n, sigma_min=smin, sigma_max=smax),
    'polyexponential': lambda n, smin, smax, inner: K.get_sigmas_polyexponential(n=n, sigma_min=smin, sigma_max=smax, rho=1.0),
    'sgm_uniform': sch_sgm_uniform,
    'kl_optimal': sch_kl_optimal,
    'align_your_steps': sch_ays,
    'simple': sch_simple,
    'normal': sch_normal,
    'ddim': sch_ddim,
    'beta': sch_beta,
}


def get_sigmas(inner, schedule, steps, discard):
    """A1111 1.10 KDiffusionSampler.get_sigmas with scheduler `schedule` (None = the model's get_sigmas)."""
    steps += 1 if discard else 0
    smin, smax = inner.sigmas[0].item(), inner.sigmas[-1].item()
    sig = inner.get_sigmas(steps) if schedule is None else SCHEDULES[schedule](steps, smin, smax, inner)
    if discard:
        sig = torch.cat([sig[:-2], sig[-1:]])
    return sig


# ------------------------------------------------------------------------------------------- LCM
class LCMDenoiser(EXT.DiscreteEpsDDPMDenoiser):
    """A1111 sd_samplers_lcm.LCMCompVisDenoiser re-typed (50 original timesteps, skip 20)."""

    def __init__(self, ldm):
        timesteps, original = 1000, 50
        self.skip_steps = timesteps // original
        valid = torch.zeros(original, dtype=torch.float32)
        for x in range(original):
            valid[original - 1 - x] = ldm.alphas_cumprod[timesteps - 1 - x * self.skip_steps]
        super().__init__(ldm, valid, quantize=None)

    def get_sigmas(self, n=None):
        start = self.sigma_to_t(self.sigma_max)
        end = self.sigma_to_t(self.sigma_min)
        t = torch.linspace(start, end, n)
        return K.append_zero(self.t_to_sigma(t))

    def sigma_to_t(self, sigma, quantize=None):
        log_sigma = sigma.log()
        dists = log_sigma - self.log_sigmas[:, None]
        return dists.abs().argmin(dim=0).view(sigma.shape) * self.skip_steps + (self.skip_steps - 1)

    def t_to_sigma(self, timestep):
        t = torch.clamp(((timestep - (self.skip_steps - 1)) / self.skip_steps).float(), min=0, max=(len(self.sigmas) - 1))
        return super().t_to_sigma(t)

    def get_eps(self, *args, **kwargs):
        return self.inner_model.apply_model(*args, **kwargs)

    def get_scaled_out(self, sigma, output, input):
        sigma_data = 0.5
        scaled_timestep = sigma_to_dims(self.sigma_to_t(sigma), output.ndim) * 10.0
        c_skip = sigma_data ** 2 / (scaled_timestep ** 2 + sigma_data ** 2)
        c_out = scaled_timestep / (scaled_timestep ** 2 + sigma_data ** 2) ** 0.5
        return c_out * output + c_skip * input

    def forward(self, input, sigma, **kwargs):
        c_out, c_in = [sigma_to_dims(x, input.ndim) for x in self.get_scalings(sigma)]
        eps = self.get_eps(input * c_in, self.sigma_to_t(sigma), **kwargs)
        return self.get_scaled_out(sigma, input + eps * c_out, input)


def sigma_to_dims(x, n):
    return x[(...,) + (None,) * (n - x.ndim)]


def sample_lcm(model, x, sigmas, extra_args=None, callback=None, disable=None, noise_sampler=None):
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in)
        callback({'x': x, 'i': i})
        x = denoised
        if sigmas[i + 1] > 0:
            x += sigmas[i + 1] * noise_sampler(sigmas[i], sigmas[i + 1])
    return x


# ------------------------------------------------------------------------------------------- timesteps samplers
def ddim_timesteps(steps):
    return torch.clip(torch.asarray(list(range(0, 1000, 1000 // steps))) + 1, 0, 999)


def run_ddim(model, ldm, x, timesteps, rng, cb, eta=0.0):
    ac = ldm.alphas_cumprod
    alphas = ac[timesteps]
    alphas_prev = ac[torch.nn.functional.pad(timesteps[:-1], pad=(1, 0))].to(torch.float64)
    sqrt_1m = torch.sqrt(1 - alphas)
    a64 = alphas.to(torch.float64)
    sig = eta * torch.sqrt((1 - alphas_prev) / (1 - a64) * (1 - a64 / alphas_prev))
    s_in, s_x = x.new_ones((x.shape[0])), x.new_ones((x.shape[0], 1, 1, 1))
    for i in range(len(timesteps) - 1):
        index = len(timesteps) - 1 - i
        e_t = model(x, timesteps[index].item() * s_in)
        a_t = alphas[index].item() * s_x
        a_prev = alphas_prev[index].item() * s_x
        sigma_t = sig[index].item() * s_x
        s1m = sqrt_1m[index].item() * s_x
        pred_x0 = (x - s1m * e_t) / a_t.sqrt()
        dir_xt = (1. - a_prev - sigma_t ** 2).sqrt() * e_t
        noise = sigma_t * rng.next()
        x = a_prev.sqrt() * pred_x0 + dir_xt + noise
        cb(x)
    return x


def run_plms(model, ldm, x, timesteps, rng, cb):
    ac = ldm.alphas_cumprod
    alphas = ac[timesteps]
    alphas_prev = ac[torch.nn.functional.pad(timesteps[:-1], pad=(1, 0))].to(torch.float64)
    sqrt_1m = torch.sqrt(1 - alphas)
    s_in, s_x = x.new_ones([x.shape[0]]), x.new_ones((x.shape[0], 1, 1, 1))
    old_eps = []

    def step(x, e_t, index):
        a_t = alphas[index].item() * s_x
        a_prev = alphas_prev[index].item() * s_x
        s1m = sqrt_1m[index].item() * s_x
        pred_x0 = (x - s1m * e_t) / a_t.sqrt()
        dir_xt = (1. - a_prev).sqrt() * e_t
        return a_prev.sqrt() * pred_x0 + dir_xt

    for i in range(len(timesteps) - 1):
        index = len(timesteps) - 1 - i
        ts = timesteps[index].item() * s_in
        t_next = timesteps[max(index - 1, 0)].item() * s_in
        e_t = model(x, ts)
        if len(old_eps) == 0:
            x_prev = step(x, e_t, index)
            e_t_next = model(x_prev, t_next)
            e_t_prime = (e_t + e_t_next) / 2
        elif len(old_eps) == 1:
            e_t_prime = (3 * e_t - old_eps[-1]) / 2
        elif len(old_eps) == 2:
            e_t_prime = (23 * e_t - 16 * old_eps[-1] + 5 * old_eps[-2]) / 12
        else:
            e_t_prime = (55 * e_t - 59 * old_eps[-1] + 37 * old_eps[-2] - 9 * old_eps[-3]) / 24
        x_prev = step(x, e_t_prime, index)
        old_eps.append(e_t)
        if len(old_eps) >= 4:
            old_eps.pop(0)
        x = x_prev
        cb(x)
    return x


def run_unipc(model, ldm, x, timesteps, rng, cb, is_img2img=False):
    U = load_unipc()
    ns = U.NoiseScheduleVP('discrete', alphas_cumprod=ldm.alphas_cumprod)

    def model_fn(x, t):  # A1111 UniPCCFG.model: the CFG eps model at (t - 1/N) * 1000
        return model(x, (t - 1. / ns.total_N) * 1000.)

    sampler = U.UniPC(model_fn, ns, predict_x0=True, thresholding=False, variant='bh1')
    orig = sampler.multistep_uni_pc_update

    def update(*a, **kw):
        x, model_x = orig(*a, **kw)
        cb(x)
        return x, model_x
    sampler.multistep_uni_pc_update = update
    t_start = timesteps[-1] / 1000 + 1 / 1000 if is_img2img else None
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):  # the example prints each step order
        return sampler.sample(x, steps=len(timesteps), t_start=t_start, skip_type='time_uniform', method='multistep',
                              order=3, lower_order_final=True)


# ------------------------------------------------------------------------------------------- sampler table
# label: (kind, k-diffusion function or runner, A1111 1.10 default scheduler, discard penultimate, extra kwargs)
SAMPLERS = {
    'DPM++ 2M': ('k', 'sample_dpmpp_2m', 'karras', False, {}),
    'DPM++ SDE': ('k', 'sample_dpmpp_sde', 'karras', False, {'eta': 1.0, 's_noise': 1.0, 'brownian': True}),
    'DPM++ 2M SDE': ('k', 'sample_dpmpp_2m_sde', 'exponential', False, {'eta': 1.0, 's_noise': 1.0, 'brownian': True}),
    'DPM++ 2M SDE Heun': ('k', 'sample_dpmpp_2m_sde', 'exponential', False, {'eta': 1.0, 's_noise': 1.0, 'brownian': True, 'solver_type': 'heun'}),
    'DPM++ 2S a': ('k', 'sample_dpmpp_2s_ancestral', 'karras', False, {'eta': 1.0, 's_noise': 1.0}),
    'DPM++ 3M SDE': ('k', 'sample_dpmpp_3m_sde', 'exponential', True, {'eta': 1.0, 's_noise': 1.0, 'brownian': True}),
    'Euler a': ('k', 'sample_euler_ancestral', None, False, {'eta': 1.0, 's_noise': 1.0}),
    'Euler': ('k', 'sample_euler', None, False, {}),
    'LMS': ('k', 'sample_lms', None, False, {}),
    'Heun': ('k', 'sample_heun', None, False, {}),
    'DPM2': ('k', 'sample_dpm_2', 'karras', True, {}),
    'DPM2 a': ('k', 'sample_dpm_2_ancestral', 'karras', True, {'eta': 1.0, 's_noise': 1.0}),
    'DDIM': ('t', run_ddim, None, False, {}),
    'PLMS': ('t', run_plms, None, False, {}),
    'UniPC': ('t', run_unipc, None, False, {}),
    'LCM': ('lcm', sample_lcm, None, False, {'brownian': True}),
}


def run(label, seeds, shape, steps, cfg, v=False, ensd=0, schedule='auto', img2img=None, fix_steps=False, tree=False):
    """One sampling run as A1111 does it; returns per-step latents, calls, sigmas/timesteps and noise info.
    img2img: (init latent tensor, denoising strength) -> A1111 sample_img2img instead of sample."""
    kind, fn, default_sched, discard, kw = SAMPLERS[label]
    kw = dict(kw)
    brownian = kw.pop('brownian', False)
    ldm = FakeLDM(AC64)
    rng = ImageRNG(shape, seeds, ensd=ensd)
    steps_out = []  # latents after each step (k-diffusion's callback sees the latent before the step)
    cb = (lambda d: steps_out.append(f32list(d['x']))) if kind != 't' else (lambda x: steps_out.append(f32list(x)))
    batch = len(seeds)
    noise = rng.next()
    info = {}
    if img2img is not None:
        init, dn = img2img
        init = init.repeat(batch, 1, 1, 1)
        if fix_steps:
            total = int(steps / min(dn, 0.999)) if dn > 0 else 0
            t_enc = steps - 1
        else:
            total = steps
            t_enc = int(min(dn, 0.999) * steps)
        info.update({'total_steps': total, 't_enc': t_enc})
    if kind == 't':
        model = CFG(TimestepsDenoiser(ldm, v), cfg, batch)
        ts = ddim_timesteps(steps if img2img is None else info['total_steps'])
        x = noise
        if img2img is not None:
            sched = ts[:info['t_enc']]
            a = ldm.alphas_cumprod[ts[info['t_enc']]]
            x = init * torch.sqrt(a) + noise * torch.sqrt(1 - a)
            info['x_start'] = f32list(x)
            ts = sched
        extra = {'is_img2img': True} if (fn is run_unipc and img2img is not None) else {}
        fn(model, ldm, x, ts, rng, cb, **extra)
        info['timesteps'] = [int(t) for t in ts]
    else:
        inner = LCMDenoiser(ldm) if kind == 'lcm' else KDenoiser(ldm, v)
        if kind == 'lcm':
            wrap = inner
            model = CFG(lambda x, s, cond: wrap(x, s, cond=cond), cfg, batch)
        else:
            model = CFG(inner, cfg, batch)
        sched = default_sched if schedule == 'auto' else schedule
        table = inner if kind == 'lcm' else inner.wrap
        total = steps if img2img is None else info['total_steps']
        sig = get_sigmas(table, sched, total, discard)
        K.torch = TorchHijack(rng)
        func = fn if callable(fn) else getattr(K, fn)
        args = dict(kw)
        if brownian and tree:  # A1111 create_noise_sampler: one tree per image seed over the full schedule
            tree_ns = K.BrownianTreeNoiseSampler(noise, sig[sig > 0].min(), sig.max(), seed=list(seeds))
            info['queries'] = []

            def recorded(s, sn):
                info['queries'].append([float(s), float(sn)])
                return tree_ns(s, sn)
            args['noise_sampler'] = recorded
        elif brownian:
            args['noise_sampler'] = lambda s, sn: rng.next()
        if img2img is None:
            x = noise * sig[0]
            run_sig = sig
        else:
            run_sig = sig[info['total_steps'] - info['t_enc'] - 1:]
            x = init + noise * run_sig[0]
            info['x_start'] = f32list(x)
        final = func(model, x, run_sig, callback=cb, **args)
        K.torch = torch
        steps_out = steps_out[1:] + [f32list(final)]
        info['sigmas'] = f32list(run_sig)
    info.update({'calls': ldm.calls, 'steps': steps_out, 'draws': rng.draws, 'unet_t': f32list(ldm.ts)})
    return info


def make_samplers():
    configs = [
        {'name': 'b1_10_nocfg', 'seeds': [0], 'shape': [4, 2, 2], 'steps': 10, 'cfg': None},
        {'name': 'b1_10_cfg', 'seeds': [0], 'shape': [4, 2, 2], 'steps': 10, 'cfg': 7.5},
        {'name': 'b2_20_cfg', 'seeds': [7, 8], 'shape': [4, 3, 3], 'steps': 20, 'cfg': 7.0},
        {'name': 'b1_15_v_cfg', 'seeds': [5], 'shape': [4, 2, 2], 'steps': 15, 'cfg': 6.0, 'v': True},
        {'name': 'b1_12_ensd', 'seeds': [31], 'shape': [4, 2, 2], 'steps': 12, 'cfg': 7.0, 'ensd': 31337},
    ]
    out = {'torch': torch.__version__, 'model': 'out = 0.1*x_in + (0.01*t)/1000 + c; c = 0.05 cond, 0 uncond (eps, or v)',
           'configs': []}
    for c in configs:
        res = {**c, 'runs': {}}
        for label in SAMPLERS:
            res['runs'][label] = run(label, c['seeds'], c['shape'], c['steps'], c['cfg'], v=c.get('v', False), ensd=c.get('ensd', 0))
        out['configs'].append(res)
    # every schedule type under one deterministic and one ancestral sampler
    sched_runs = {}
    for sched in SCHEDULES:
        for label in ['Euler', 'DPM++ 2S a']:
            sched_runs[f'{label}|{sched}'] = run(label, [3], [4, 2, 2], 11, 5.0, schedule=sched)
    out['schedule_runs'] = sched_runs
    base.dump('samplers2.json', out)


def make_img2img():
    g = torch.Generator().manual_seed(99)
    init = torch.randn((1, 4, 2, 2), generator=g) * 0.7
    out = {'torch': torch.__version__, 'init': f32list(init), 'shape': [4, 2, 2], 'seeds': [11], 'cfg': 7.0, 'runs': {}}
    for label in SAMPLERS:
        for steps, dn, fix in [(20, 0.6, False), (12, 0.35, True), (10, 0.999, False)]:
            key = f'{label}|{steps}|{dn}|{int(fix)}'
            out['runs'][key] = run(label, [11], [4, 2, 2], steps, 7.0, img2img=(init, dn), fix_steps=fix)
    # setup_img2img_steps over a grid (the pure arithmetic)
    grid = []
    for steps in [1, 2, 5, 10, 20, 28, 30, 50]:
        for dn in [0.0, 0.05, 0.1, 0.25, 0.3, 0.5, 0.55, 0.7, 0.75, 0.9, 0.999, 1.0]:
            for fix in [False, True]:
                if fix:
                    total = int(steps / min(dn, 0.999)) if dn > 0 else 0
                    t_enc = steps - 1
                else:
                    total = steps
                    t_enc = int(min(dn, 0.999) * steps)
                grid.append([steps, dn, int(fix), total, t_enc])
    out['setup_steps'] = grid
    base.dump('img2img.json', out)


def make_schedules():
    out = {'torch': torch.__version__, 'types': {}}
    inner = EXT.CompVisDenoiser(FakeLDM(AC64), quantize=False)
    lcm = LCMDenoiser(FakeLDM(AC64))
    for name in SCHEDULES:
        out['types'][name] = {}
        for n in [1, 2, 3, 5, 10, 11, 20, 25, 37, 50]:
            smin, smax = inner.sigmas[0].item(), inner.sigmas[-1].item()
            out['types'][name][n] = f32list(SCHEDULES[name](n, smin, smax, inner))
    out['lcm'] = {'sigmas': f32list(lcm.sigmas), 'uniform': {n: f32list(lcm.get_sigmas(n)) for n in [1, 2, 4, 8, 20]},
                  'karras': {n: f32list(get_sigmas(lcm, 'karras', n, False)) for n in [4, 8]}}
    base.dump('schedules.json', out)


def make_variation():
    cases = []
    for shape, seeds, subseeds, strength, rh, rw in [
        ((4, 8, 8), [1234], [5678], 0.3, 0, 0),
        ((4, 8, 8), [1234], [5678], 0.0, 0, 0),
        ((4, 8, 8), [42, 42], [7, 8], 0.75, 0, 0),
        ((4, 8, 8), [10], [11], 1.0, 0, 0),
        ((4, 8, 8), [10], [10], 0.5, 0, 0),        # same noise: dot ~ 1 -> A1111's lerp branch
        ((4, 8, 8), [77], None, 0.0, 48, 32),      # resize from 32x48 (pixels) into 64x64: pasted in the middle
        ((4, 6, 10), [77], None, 0.0, 64, 64),     # bigger source: cropped
        ((4, 8, 8), [77], [3], 0.4, 40, 96),       # variation and resize together
        ((4, 3, 5), [9], [2], 0.2, 0, 0),          # fewer than 16 values per image: torch's scalar path
    ]:
        rng = ImageRNG(shape, seeds, subseeds, strength, rh, rw, ensd=100)
        first = rng.next()
        second = rng.next()
        cases.append({'shape': list(shape), 'seeds': seeds, 'subseeds': subseeds, 'strength': strength,
                      'resize_h': rh, 'resize_w': rw, 'ensd': 100, 'first': f32list(first), 'second': f32list(second)})
    base.dump('variation.json', {'torch': torch.__version__, 'cases': cases})


def make_upscale():
    g = torch.Generator().manual_seed(2024)
    x = torch.randn((1, 4, 6, 5), generator=g) * 3
    modes = [('bilinear', False), ('bilinear', True), ('bicubic', False), ('bicubic', True), ('nearest', False),
             ('nearest-exact', False)]
    cases = []
    for oh, ow in [(12, 10), (9, 7), (6, 5), (13, 11), (4, 3), (16, 8)]:
        for mode, aa in modes:
            y = torch.nn.functional.interpolate(x, size=(oh, ow), mode=mode, antialias=aa) if aa else \
                torch.nn.functional.interpolate(x, size=(oh, ow), mode=mode)
            cases.append({'size': [oh, ow], 'mode': mode, 'antialias': aa, 'out': f32list(y)})
    # LayerNorm (clip skip's final_layer_norm), width 768, eps 1e-5
    tokens, width = 5, 768
    h = torch.randn((tokens, width), generator=g) * 2 + 0.3
    w = torch.randn((width,), generator=g) * 0.2 + 1
    b = torch.randn((width,), generator=g) * 0.1
    ln = torch.nn.functional.layer_norm(h, (width,), w, b, 1e-5)
    base.dump('upscale.json', {'torch': torch.__version__, 'input': f32list(x), 'shape': [1, 4, 6, 5], 'cases': cases,
                               'layer_norm': {'tokens': tokens, 'width': width, 'hidden': f32list(h), 'weight': f32list(w),
                                              'bias': f32list(b), 'out': f32list(ln)}})


def make_brownian():
    inner = EXT.CompVisDenoiser(FakeLDM(AC64), quantize=False)
    sig = get_sigmas(inner, 'exponential', 10, False)
    seeds = [7, 8]
    x = torch.zeros((2, 4, 3, 3))
    ns = K.BrownianTreeNoiseSampler(x, sig[sig > 0].min(), sig.max(), seed=seeds)
    queries = []
    for i in range(len(sig) - 1):
        if sig[i + 1] > 0:
            # DPM++ SDE's pattern: to the log-midpoint, then to the next sigma, both from sigma_i
            mid = (sig[i].log() + sig[i + 1].log()) * 0.5
            for a, b in [(sig[i], mid.exp()), (sig[i], sig[i + 1])]:
                queries.append({'sigma': float(a), 'next': float(b), 'noise': f32list(ns(a, b))})
    runs = {}
    for label in ['DPM++ SDE', 'DPM++ 2M SDE', 'DPM++ 2M SDE Heun', 'DPM++ 3M SDE']:
        runs[label] = run(label, [7, 8], [4, 3, 3], 10, 7.0, tree=True)
    base.dump('brownian.json', {'torch': torch.__version__, 'seeds': seeds, 'shape': [4, 3, 3], 'sigmas': f32list(sig),
                                'queries': queries, 'runs': runs})


if __name__ == '__main__':
    what = sys.argv[1:] or ['schedules', 'samplers', 'variation', 'upscale', 'img2img', 'brownian']
    if 'schedules' in what:
        make_schedules()
    if 'samplers' in what:
        make_samplers()
    if 'variation' in what:
        make_variation()
    if 'upscale' in what:
        make_upscale()
    if 'img2img' in what:
        make_img2img()
    if 'brownian' in what:
        make_brownian()
