import { describe, expect, it } from 'vitest';
import { MemoryFs } from '../core/storage/memory-fs.ts';
import { GalleryStore, type StoredImage } from './gallery-store.ts';

const image = (n: number, bytes = 100): StoredImage => ({
  id: `img-${n}`,
  number: n,
  fileName: `${String(n).padStart(5, '0')}-42.png`,
  seed: 42,
  width: 64,
  height: 64,
  png: new Uint8Array(bytes).fill(n),
});

describe('the kept gallery', () => {
  it('keeps images across a reload, oldest first, with their bytes and facts', async () => {
    const fs = new MemoryFs();
    await new GalleryStore(fs).add([image(1), { ...image(2), strength: 0.5, sweep: { hypernetwork: 'stripes', strength: 0.5 } }]);
    const loaded = await new GalleryStore(fs).load();
    expect(loaded.map((i) => [i.id, i.png[0], i.sweep?.strength])).toEqual([
      ['img-1', 1, undefined],
      ['img-2', 2, 0.5],
    ]);
  });

  it('drops the oldest images first beyond the size cap', async () => {
    const fs = new MemoryFs();
    const store = new GalleryStore(fs, 250);
    await store.add([image(1), image(2)]);
    await store.add([image(3)]);
    expect((await store.load()).map((i) => i.id)).toEqual(['img-2', 'img-3']);
    expect(await fs.listDirs('gallery')).toEqual(['img-2', 'img-3']);
  });

  it('removes and clears', async () => {
    const store = new GalleryStore(new MemoryFs());
    await store.add([image(1), image(2), image(3)]);
    await store.remove(['img-2']);
    expect((await store.load()).map((i) => i.id)).toEqual(['img-1', 'img-3']);
    await store.clear();
    expect(await store.load()).toEqual([]);
  });

  it('a write cut short leaves nothing behind; a damaged index starts over without failing', async () => {
    const fs = new MemoryFs();
    await new GalleryStore(fs).add([image(1)]);
    // a PNG written, but the tab closed before the index named it
    const sink = await fs.write('gallery/img-9/image.png');
    await sink.write(new Uint8Array(5));
    await sink.close();
    expect((await new GalleryStore(fs).load()).map((i) => i.id)).toEqual(['img-1']);
    expect(await fs.listDirs('gallery')).toEqual(['img-1']);
    const bad = await fs.write('gallery/index.json');
    await bad.write(new TextEncoder().encode('{"version":1,"images":[{"id":"../x","number":1}]'));
    await bad.close();
    expect(await new GalleryStore(fs).load()).toEqual([]);
  });

  it('a full disk fails the write and keeps what was kept', async () => {
    const fs = new MemoryFs(400);
    const store = new GalleryStore(fs);
    await store.add([image(1)]);
    await expect(store.add([image(2, 1000)])).rejects.toMatchObject({ name: 'QuotaExceededError' });
    expect((await store.load()).map((i) => i.id)).toEqual(['img-1']);
  });
});
