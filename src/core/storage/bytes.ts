/** 87_787_008 → "87.8 MB" (SI units, as file managers show sizes); the UI and the core's messages use it. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 'B';
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ${unit}`;
}

/** Speed and time left of a copy, from what is done after how long. */
export function transferStats(done: number, total: number, elapsedMs: number): { bytesPerSecond: number; etaMs: number | null } {
  if (elapsedMs <= 0 || done <= 0) return { bytesPerSecond: 0, etaMs: null };
  const bytesPerSecond = (done / elapsedMs) * 1000;
  return { bytesPerSecond, etaMs: (Math.max(0, total - done) / bytesPerSecond) * 1000 };
}
