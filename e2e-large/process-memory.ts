/**
 * Peak resident memory of the browser this test launched: the summed RSS of the Playwright worker's descendant
 * processes (Chromium's browser, GPU, renderer and utility processes), sampled from /proc every `everyMs`.
 * Other engineers' browsers on the same machine are not descendants, so they are not counted. Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // field 4 of /proc/<pid>/stat is the parent pid (after the parenthesised command, which may hold spaces)
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function rssBytes(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.replace(/\D+/g, '')) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Starts sampling; `stop()` returns the peak (bytes) seen since. */
export function watchPeakMemory(everyMs = 500): { stop(): number } {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, descendants(process.pid).reduce((sum, pid) => sum + rssBytes(pid), 0));
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
