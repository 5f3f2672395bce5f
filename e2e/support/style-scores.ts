/**
 * The demo trainer's style scores (tools/demo-model/score.py), ported for 64×64 RGBA images.
 * stripes: energy of the foreground-distance map at the stripe frequency (period 8 px along x+y), normalised by
 * its total; ~0 for plain shapes, higher for the stripes hypernetwork's diagonal texture.
 */

/** Median of the 2-px border per channel (numpy's median: mean of the two middle values for an even count). */
function borderMedian(rgba: Uint8Array, size: number): [number, number, number] {
  const pick: number[][] = [[], [], []];
  const add = (x: number, y: number) => {
    for (let c = 0; c < 3; c++) pick[c]!.push(rgba[(y * size + x) * 4 + c]!);
  };
  // the same pixels, with the same repeats, as score.py's concatenation of rows 0-1, rows -2/-1, cols 0-1, cols -2/-1
  for (const y of [0, 1, size - 2, size - 1]) for (let x = 0; x < size; x++) add(x, y);
  for (let y = 0; y < size; y++) for (const x of [0, 1]) add(x, y);
  for (let y = 0; y < size; y++) for (const x of [size - 2, size - 1]) add(x, y);
  return pick.map((v) => {
    const s = [...v].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  }) as [number, number, number];
}

export function stripeScore(rgba: Uint8Array, size = 64): number {
  const bg = borderMedian(rgba, size);
  let re = 0;
  let im = 0;
  let total = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const d = Math.hypot(rgba[i]! - bg[0], rgba[i + 1]! - bg[1], rgba[i + 2]! - bg[2]);
      const phase = (-2 * Math.PI * (x + 0.5 + y + 0.5)) / 8;
      re += d * Math.cos(phase);
      im += d * Math.sin(phase);
      total += d;
    }
  }
  return Math.hypot(re, im) / (total + 1e-6);
}
