export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export interface StageTimes {
  textEncoderMs: number;
  unetStepMs: number;
  vaeMs: number;
}

export function formatStages(label: string, t: StageTimes): string {
  return `${label.padEnd(28)} text encoder ${t.textEncoderMs.toFixed(1).padStart(7)} ms · U-Net/step ${t.unetStepMs.toFixed(1).padStart(7)} ms · VAE ${t.vaeMs.toFixed(1).padStart(7)} ms`;
}
