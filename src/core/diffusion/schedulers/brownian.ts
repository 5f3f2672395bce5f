/**
 * The SDE samplers' Brownian noise as A1111 makes it (`BrownianTreeNoiseSampler(x, sigma_min, sigma_max,
 * seed=batch seeds)` over torchsde's `BrownianTree`, whose normal draws A1111 replaces with `randn_local(seed,
 * size)`: with the CPU RNG source, torch's CPU generator seeded per tree node). One tree per image over
 * [sigma_min, sigma_max] (rounded to 6 decimals, tol 1e-6): a dyadic ("halfway") tree of Brownian bridges whose
 * node seeds come from NumPy's SeedSequence(entropy = image seed, spawn_key = (node key, depth), pool 24).
 * k-diffusion's convention: noise(sigma, sigma_next) = (W(sigma_next) - W(sigma)) / sqrt(|sigma_next - sigma|).
 * Spec: docs/samplers.md §8.
 */
import { internalError } from '../../errors.ts';
import { numel, TorchGenerator } from '../noise/index.ts';
import { SeedSequence } from '../noise/seed-sequence.ts';
import type { BrownianNoiseFn } from './types.ts';

const fl = Math.fround;
const POOL_SIZE = 24;
const DECIMALS = 6; // torchsde rounds every time to -log10(tol) = 6 decimals

export interface BrownianNoiseOptions {
  /** One seed per image (A1111: the batch's seeds). */
  seeds: readonly (number | bigint)[];
  /** Per-image latent shape, e.g. [4, H/8, W/8]. */
  shape: readonly number[];
  /** The interval the tree covers: the smallest non-zero and the largest sigma of the (full) schedule. */
  sigmaMin: number;
  sigmaMax: number;
}

/** Python's `round(x, 6)`: the exact binary value rounded to 6 decimals, ties to even. */
export function pyRound6(x: number): number {
  const exact = x.toFixed(100);
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + DECIMALS);
  let s = x.toFixed(DECIMALS);
  if (/^50*$/.test(rest)) {
    const down = exact.slice(0, dot + 1 + DECIMALS);
    if (Number(down.at(-1)) % 2 === 0) s = down; // the tie goes to the even neighbour
  }
  return Number(s);
}

interface Node {
  start: number;
  end: number;
  parent: Node | null;
  isLeft: boolean;
  spawnKey: number;
  depth: number;
  midway?: number;
  wSeed?: number;
  left?: Node;
  right?: Node;
}

/** torchsde `BrownianInterval(halfway_tree=True, tol=1e-6, pool_size=24)` without Lévy area, for one image. */
class BrownianTree {
  private readonly root: Node;
  private last: Node;
  private readonly rootW: Float32Array;
  private readonly cache = new Map<Node, Float32Array>();

  constructor(
    private readonly seed: number | bigint,
    private readonly shape: readonly number[],
    t0: number,
    t1: number,
  ) {
    this.root = { start: pyRound6(t0), end: pyRound6(t1), parent: null, isLeft: false, spawnKey: 0, depth: 0 };
    this.last = this.root;
    const [wSeed = 0] = new SeedSequence(seed, [], POOL_SIZE).generateState(3);
    const scale = fl(Math.sqrt(t1 - t0));
    this.rootW = this.randn(wSeed).map((z) => z * scale);
  }

  private randn(seed: number): Float32Array {
    return new TorchGenerator(seed).randn(this.shape);
  }

  private splitExact(node: Node, midway: number): void {
    node.midway = pyRound6(midway);
    if (node.parent) [node.spawnKey, node.depth] = [2 * node.parent.spawnKey + (node.isLeft ? 0 : 1), node.parent.depth + 1];
    node.wSeed = new SeedSequence(this.seed, [node.spawnKey, node.depth], POOL_SIZE).generateState(4)[0];
    const child = (start: number, end: number, isLeft: boolean): Node => ({ start: pyRound6(start), end: pyRound6(end), parent: node, isLeft, spawnKey: 0, depth: 0 });
    node.left = child(node.start, midway, true);
    node.right = child(midway, node.end, false);
  }

  /** Halfway splits down to the node whose midpoint is `midway`. */
  private split(node: Node, midway: number): void {
    for (let n: Node | undefined = node, guard = 0; n; guard++) {
      if (guard > 200) throw internalError('Brownian tree: split did not converge');
      this.splitExact(n, 0.5 * (n.end + n.start));
      if (midway > n.midway!) n = n.right;
      else if (midway < n.midway!) n = n.left;
      else n = undefined;
    }
  }

  /** torchsde `_loc_inner`: the existing (or newly split) nodes covering [ta, tb], in order. */
  private locate(from: Node, ta: number, tb: number, out: Node[]): void {
    let node = from;
    for (let guard = 0; guard < 10_000; guard++) {
      if (ta < node.start || tb > node.end) node = node.parent!;
      else if (ta === node.start && tb === node.end) return void out.push(node);
      else if (node.midway === undefined) {
        this.split(node, ta === node.start ? tb : ta);
        node = (ta === node.start ? node.left : node.right)!;
      } else if (tb <= node.midway) node = node.left!;
      else if (ta >= node.midway) node = node.right!;
      else {
        this.locate(node.left!, ta, node.midway, out);
        [ta, node] = [node.midway, node.right!];
      }
    }
    throw internalError('Brownian tree: search did not converge');
  }

  /** The increment over a node's interval, from its parent's (a Brownian bridge at the parent's midpoint). */
  private increment(node: Node): Float32Array {
    const p = node.parent;
    if (!p) return this.rootW;
    const hit = this.cache.get(node);
    if (hit) return hit;
    const w = this.increment(p);
    const hRec = 1 / (p.end - p.start);
    const leftDiff = p.midway! - p.start;
    const rightDiff = p.end - p.midway!;
    const sd = fl(Math.sqrt(leftDiff * rightDiff * hRec));
    const [ld, hr] = [fl(leftDiff), fl(hRec)];
    const z = this.randn(p.wSeed!);
    const out = new Float32Array(w.length);
    for (let k = 0; k < w.length; k++) {
      const leftW = fl(fl(fl((w[k] ?? 0) * ld) * hr) + fl(sd * (z[k] ?? 0)));
      out[k] = node.isLeft ? leftW : fl((w[k] ?? 0) - leftW);
    }
    if (this.cache.size >= 64) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(node, out);
    return out;
  }

  /** W(tb) - W(ta) for ta <= tb (torchsde clamps to the tree's rounded ends). */
  between(ta: number, tb: number): Float32Array {
    const lo = Math.min(Math.max(ta, this.root.start), this.root.end);
    const hi = Math.min(Math.max(tb, this.root.start), this.root.end);
    if (lo === hi) return new Float32Array(numel(this.shape));
    const nodes: Node[] = [];
    this.locate(this.last, pyRound6(lo), pyRound6(hi), nodes);
    this.last = nodes[nodes.length - 1]!;
    let w = Float32Array.from(this.increment(nodes[0]!));
    for (const n of nodes.slice(1)) {
      const wi = this.increment(n);
      w = w.map((v, k) => v + (wi[k] ?? 0));
    }
    return w;
  }
}

/** The SDE samplers' noise sampler over one Brownian tree per image (k-diffusion BatchedBrownianTree). */
export function createBrownianNoise(opts: BrownianNoiseOptions): BrownianNoiseFn {
  const { seeds, shape, sigmaMin, sigmaMax } = opts;
  if (!(sigmaMin > 0 && sigmaMax > sigmaMin)) throw internalError(`Brownian tree over [${sigmaMin}, ${sigmaMax}]`);
  const trees = seeds.map((s) => new BrownianTree(s, shape, sigmaMin, sigmaMax));
  const per = numel(shape);
  return (sigma, sigmaNext) => {
    const [ta, tb, sign] = sigma < sigmaNext ? [sigma, sigmaNext, 1] : [sigmaNext, sigma, -1];
    const scale = fl(Math.sqrt(Math.abs(fl(sigmaNext - sigma))));
    const out = new Float32Array(per * trees.length);
    trees.forEach((tree, i) => {
      const w = tree.between(ta, tb);
      for (let k = 0; k < per; k++) out[i * per + k] = fl((w[k] ?? 0) * sign) / scale;
    });
    return out;
  };
}

/** A1111's tree range: the smallest non-zero and the largest sigma of the (full) schedule. */
export function brownianRange(sigmas: ArrayLike<number>): { sigmaMin: number; sigmaMax: number } {
  let sigmaMin = Infinity;
  let sigmaMax = -Infinity;
  for (let i = 0; i < sigmas.length; i++) {
    const s = sigmas[i] ?? 0;
    if (s > 0) sigmaMin = Math.min(sigmaMin, s);
    sigmaMax = Math.max(sigmaMax, s);
  }
  return { sigmaMin, sigmaMax };
}
