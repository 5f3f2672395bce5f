import { describe, expect, it } from 'vitest';
import {
  fileStem,
  formatHypernetTag,
  hasTag,
  isValidTagName,
  orderTags,
  parseHypernetTags,
  recipePrompt,
  removeTag,
  renameTag,
  rewriteHypernetTags,
  setTagMultiplier,
} from './hypernet-tags.ts';

describe('parse', () => {
  it('reads names and Python-float multipliers in prompt order, other kinds ignored', () => {
    expect(parseHypernetTags('a <hypernet:anime> <lora:x:0.5> <hypernet:Style_2:0.25:extra> <hypernet:n: -1e-1 >')).toEqual({
      tags: [
        { name: 'anime', multiplier: 1 },
        { name: 'Style_2', multiplier: 0.25 },
        { name: 'n', multiplier: -0.1 },
      ],
      error: null,
    });
  });
  it('an unparsable multiplier: no tags, the float() error', () => {
    const r = parseHypernetTags('<hypernet:a:1> <hypernet:b:x1>');
    expect(r.tags).toEqual([]);
    expect(r.error).toMatch(/could not convert string to float: 'x1'/);
  });
});

describe('print', () => {
  it('writes the shortest text that reads back as the same number', () => {
    for (const v of [0, 1, -0.8, 0.35, 1.7, 1e-7, 123456.789, 0.1 + 0.2]) {
      const tag = formatHypernetTag('a', v);
      expect(parseHypernetTags(tag).tags[0]!.multiplier).toBe(v);
    }
    expect(formatHypernetTag('a', 0.5, ['x'])).toBe('<hypernet:a:0.5:x>');
  });
  it('names a tag can hold, file stems', () => {
    expect(['a', 'stripes-2', 'x y'].every(isValidTagName)).toBe(true);
    expect(['', ' a', 'a:b', 'a>b', '<a'].some(isValidTagName)).toBe(false);
    expect(fileStem('dir/sub\\stripes.v2.pt')).toBe('stripes.v2');
  });
});

describe('rewrite', () => {
  it('sets, renames, finds and removes tags of one name, keeping other text and further items', () => {
    const p = 'cat <hypernet:a:1:x>, <hypernet:b> <lora:a:1>';
    expect(setTagMultiplier(p, 'a', -0.5)).toBe('cat <hypernet:a:-0.5:x>, <hypernet:b> <lora:a:1>');
    expect(renameTag(p, 'b', 'c')).toBe('cat <hypernet:a:1:x>, <hypernet:c> <lora:a:1>');
    expect(hasTag(p, 'b')).toBe(true);
    expect(hasTag(p, 'lora')).toBe(false);
    expect(removeTag(p, 'a')).toBe('cat, <hypernet:b> <lora:a:1>');
    expect(removeTag('<hypernet:a> cat', 'a')).toBe('cat');
  });
  it('numbers the hypernet tags it visits', () => {
    const seen: number[] = [];
    rewriteHypernetTags('<hypernet:a> <lora:b:1> <hypernet:c>', (t) => void seen.push(t.ordinal));
    expect(seen).toEqual([0, 1]);
  });
  it('orders tags in the places they hold', () => {
    expect(orderTags('x <hypernet:a:1> y <hypernet:b:0.5> z', ['b', 'a'])).toBe('x <hypernet:b:0.5> y <hypernet:a:1> z');
    // names without a tag are skipped; other tags stay put
    expect(orderTags('<hypernet:a> <hypernet:o> <hypernet:b>', ['c', 'b', 'a'])).toBe('<hypernet:b> <hypernet:o> <hypernet:a>');
  });
});

describe('recipePrompt: the prompt that applies exactly the stack', () => {
  const stack = [
    { name: 'invert', multiplier: 1 },
    { name: 'stripes', multiplier: 0.5 },
  ];
  it('keeps a prompt whose tags already are the stack', () => {
    expect(recipePrompt('a <hypernet:invert> b <hypernet:stripes:0.50>', stack)).toBe('a <hypernet:invert> b <hypernet:stripes:0.50>');
  });
  it('rewrites any other prompt: order, values, duplicates, unknown names, unparsable values, missing tags', () => {
    const recipe = 'a cat <hypernet:invert:1> <hypernet:stripes:0.5>';
    for (const p of [
      'a cat <hypernet:stripes:0.5> <hypernet:invert:1>',
      'a cat <hypernet:invert:1> <hypernet:stripes:1>',
      'a cat <hypernet:invert:1> <hypernet:invert:1> <hypernet:stripes:0.5>',
      'a cat <hypernet:gone:1> <hypernet:invert:1> <hypernet:stripes:0.5>',
      'a cat <hypernet:invert:x>',
      'a cat',
      'a cat ',
    ]) {
      expect(recipePrompt(p, stack), p).toBe(recipe);
      expect(parseHypernetTags(recipePrompt(p, stack)).tags).toEqual(stack);
    }
    expect(recipePrompt('a <hypernet:x:1> cat', [])).toBe('a cat');
    expect(recipePrompt('', stack)).toBe('<hypernet:invert:1> <hypernet:stripes:0.5>');
  });
});
