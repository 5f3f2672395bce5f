/**
 * Does a demo image follow its prompt? A TypeScript port of `classify()` in tools/demo-model/score.py (the demo
 * model's own scorer): background = median colour of the 2-px border → nearest named background; foreground =
 * pixels farther than 60 (Euclidean RGB) from it; colour = hue of the mean of the strongest half of the
 * foreground → nearest named hue; shape from the fill ratio of the bounding box; position = centroid → nearest
 * anchor; size from the bounding-box height.
 */

// tools/demo-model/dmlib.py
export const COLORS = {
  red: [220, 30, 30],
  yellow: [235, 205, 25],
  green: [30, 165, 50],
  cyan: [25, 195, 210],
  blue: [35, 65, 225],
  purple: [150, 45, 205],
} as const satisfies Record<string, readonly [number, number, number]>;
export const BACKGROUNDS = { white: [245, 245, 245], black: [12, 12, 12], gray: [128, 128, 128] } as const satisfies Record<
  string,
  readonly [number, number, number]
>;
export const POSITIONS = { left: [16, 32], right: [48, 32], top: [32, 16], bottom: [32, 48], center: [32, 32] } as const satisfies Record<
  string,
  readonly [number, number]
>;

export type ColorName = keyof typeof COLORS;
export type BackgroundName = keyof typeof BACKGROUNDS;
export type PositionName = keyof typeof POSITIONS;

export interface ShapeScore {
  background: BackgroundName;
  color: ColorName | null;
  shape: 'square' | 'circle' | 'triangle' | null;
  position: PositionName | null;
  size: 'small' | 'large' | null;
  /** foreground pixels */
  foreground: number;
  /** centroid of the foreground, in pixels (x right, y down) */
  centroid: { x: number; y: number } | null;
}

/** colorsys.rgb_to_hsv hue in degrees, from 0…255 RGB */
export function hueOf([r, g, b]: readonly number[]): number {
  const [rr, gg, bb] = [r! / 255, g! / 255, b! / 255];
  const max = Math.max(rr, gg, bb);
  const min = Math.min(rr, gg, bb);
  if (max === min) return 0;
  const d = max - min;
  let h: number;
  if (max === rr) h = (gg - bb) / d;
  else if (max === gg) h = 2 + (bb - rr) / d;
  else h = 4 + (rr - gg) / d;
  h = (h / 6) % 1;
  if (h < 0) h += 1;
  return h * 360;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** numpy's percentile (linear interpolation) */
function percentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = ((s.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

function nearest<K extends string>(table: Record<K, readonly number[]>, dist: (v: readonly number[]) => number): K {
  let best: K | null = null;
  let bestD = Infinity;
  for (const k of Object.keys(table) as K[]) {
    const d = dist(table[k]);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best!;
}

/** Scores an RGBA image of `width`×`height` (the demo renders 64×64). */
export function scoreShape(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): ShapeScore {
  const px = (x: number, y: number): [number, number, number] => {
    const i = (y * width + x) * 4;
    return [rgba[i]!, rgba[i + 1]!, rgba[i + 2]!];
  };
  const border: [number, number, number][] = [];
  // same rows/columns as the numpy slices f[:2], f[-2:], f[:, :2], f[:, -2:] (corners counted twice, as there)
  for (const y of [0, 1, height - 2, height - 1]) for (let x = 0; x < width; x++) border.push(px(x, y));
  for (let y = 0; y < height; y++) for (const x of [0, 1, width - 2, width - 1]) border.push(px(x, y));
  const bg = [0, 1, 2].map((c) => median(border.map((p) => p[c]!)));
  const background = nearest(BACKGROUNDS, (v) => Math.hypot(v[0]! - bg[0]!, v[1]! - bg[1]!, v[2]! - bg[2]!));

  const dist = new Float64Array(width * height);
  const fg: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = px(x, y);
      const d = Math.hypot(r - bg[0]!, g - bg[1]!, b - bg[2]!);
      dist[y * width + x] = d;
      if (d > 60) fg.push(y * width + x);
    }
  }
  const out: ShapeScore = { background, color: null, shape: null, position: null, size: null, foreground: fg.length, centroid: null };
  if (fg.length < 12) return out;

  const cut = percentile(fg.map((i) => dist[i]!), 50);
  const mean = [0, 0, 0];
  let n = 0;
  for (const i of fg) {
    if (dist[i]! < cut) continue;
    const p = px(i % width, Math.floor(i / width));
    for (let c = 0; c < 3; c++) mean[c]! += p[c]!;
    n++;
  }
  const h = hueOf(mean.map((v) => v / n));
  out.color = nearest(COLORS, (v) => {
    const d = Math.abs(h - hueOf(v));
    return Math.min(d, 360 - d);
  });

  let [x0, y0, x1, y1, sx, sy] = [width, height, 0, 0, 0, 0];
  for (const i of fg) {
    const x = i % width;
    const y = Math.floor(i / width);
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x + 1);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y + 1);
    sx += x;
    sy += y;
  }
  const fill = fg.length / ((y1 - y0) * (x1 - x0));
  out.shape = fill > 0.88 ? 'square' : fill > 0.64 ? 'circle' : 'triangle';
  const cx = sx / fg.length;
  const cy = sy / fg.length;
  out.centroid = { x: cx, y: cy };
  out.position = nearest(POSITIONS, ([px_, py]) => (px_! - cx) ** 2 + (py! - cy) ** 2);
  out.size = y1 - y0 < 21 ? 'small' : 'large';
  return out;
}
