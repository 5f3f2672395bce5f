/**
 * Byte-pair merging of one word, as OpenAI's CLIP `bpe()` does it: repeatedly take the lowest-ranked
 * adjacent pair and merge all its non-overlapping occurrences, left to right, until no pair has a rank.
 *
 * The reference loop rescans the whole word for every merge: quadratic, and a 100,000-letter word (one
 * CLIP pre-token) took minutes. Here the pairs wait in a heap ordered by (rank, position) over a linked list
 * of symbols: one round pops every entry of the lowest rank in position order (exactly the occurrences the
 * reference would merge in that round) and pushes the pairs each merge forms. O(n log n) per word.
 */

/** A min-heap of pair entries keyed by (rank, position of the left symbol); entries carry an id. */
class PairHeap {
  private readonly rank: number[] = [];
  private readonly pos: number[] = [];
  private readonly id: number[] = [];

  get size(): number {
    return this.rank.length;
  }
  minRank(): number {
    return this.rank[0]!;
  }
  push(rank: number, pos: number, id: number): void {
    let i = this.rank.length;
    this.rank.push(rank);
    this.pos.push(pos);
    this.id.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  /** removes the minimum; returns its id */
  pop(): number {
    const top = this.id[0]!;
    const lastRank = this.rank.pop()!;
    const lastPos = this.pos.pop()!;
    const lastId = this.id.pop()!;
    if (this.rank.length > 0) {
      this.rank[0] = lastRank;
      this.pos[0] = lastPos;
      this.id[0] = lastId;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.rank.length && this.less(l, m)) m = l;
        if (r < this.rank.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
  private less(a: number, b: number): boolean {
    return this.rank[a]! < this.rank[b]! || (this.rank[a] === this.rank[b] && this.pos[a]! < this.pos[b]!);
  }
  private swap(a: number, b: number): void {
    [this.rank[a], this.rank[b]] = [this.rank[b]!, this.rank[a]!];
    [this.pos[a], this.pos[b]] = [this.pos[b]!, this.pos[a]!];
    [this.id[a], this.id[b]] = [this.id[b]!, this.id[a]!];
  }
}

/** The merged symbols of `word` ('</w>' attached to its last character). */
export function bpeMerge(word: string, ranks: ReadonlyMap<string, number>): string[] {
  const chars = Array.from(word);
  if (chars.length === 0) return [];
  const parts = [...chars.slice(0, -1), `${chars[chars.length - 1]!}</w>`];
  const n = parts.length;
  const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
  const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
  const alive = new Uint8Array(n).fill(1);
  // each heap entry remembers its position and pair: it is stale once either symbol has changed
  const at: number[] = [];
  const left: string[] = [];
  const right: string[] = [];
  const heap = new PairHeap();
  const consider = (i: number): void => {
    const j = i < 0 ? -1 : next[i]!;
    if (j < 0) return;
    const r = ranks.get(`${parts[i]} ${parts[j]}`);
    if (r === undefined) return;
    at.push(i);
    left.push(parts[i]!);
    right.push(parts[j]!);
    heap.push(r, i, at.length - 1);
  };
  for (let i = 0; i + 1 < n; i++) consider(i);

  while (heap.size > 0) {
    // one round: every occurrence of the lowest-ranked pair, left to right (new pairs wait for later rounds)
    const rank = heap.minRank();
    const round: number[] = [];
    while (heap.size > 0 && heap.minRank() === rank) round.push(heap.pop());
    for (const e of round) {
      const i = at[e]!;
      const j = next[i]!;
      const a = left[e]!;
      const b = right[e]!;
      if (!alive[i] || j < 0 || parts[i] !== a || parts[j] !== b) continue;
      parts[i] = a + b;
      alive[j] = 0;
      next[i] = next[j]!;
      if (next[j]! >= 0) prev[next[j]!] = i;
      consider(prev[i]!);
      consider(i);
    }
  }
  const out: string[] = [];
  for (let i = 0; i >= 0; i = next[i]!) out.push(parts[i]!);
  return out;
}
