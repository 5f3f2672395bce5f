/**
 * The X/Y/Z plot's axis options, with A1111's names ("Hypernetwork" and "Hypernet str." as its older versions
 * had them), value types, label formats and switching costs, and an axis text parsed into values.
 */
import { StudioError } from '../../errors.ts';
import { expandFloats, expandInts, pyFloatText, splitCsv } from './values.ts';

export const AXIS_TYPES = ['Nothing', 'Seed', 'Steps', 'CFG Scale', 'Sampler', 'Clip skip', 'Hypernetwork', 'Hypernet str.'] as const;
export type AxisType = (typeof AXIS_TYPES)[number];

/** One axis value: a number, a sampler label, or a hypernetwork name (null: "None", no hypernetwork). */
export type AxisValue = number | string | null;

interface AxisOption {
  kind: 'none' | 'int' | 'float' | 'string';
  /**
   * How slow a change of this axis is; the costliest axis runs outermost (A1111's `cost`). Changing the
   * hypernetwork rebuilds the U-Net session, everything else is a request field.
   */
  cost: number;
  /** A1111's `format_value_add_label` ("Seed: 5") or `format_value` (the value alone: samplers) */
  withLabel: boolean;
}

export const AXIS_OPTIONS: Record<AxisType, AxisOption> = {
  Nothing: { kind: 'none', cost: 0, withLabel: false },
  Seed: { kind: 'int', cost: 0, withLabel: true },
  Steps: { kind: 'int', cost: 0, withLabel: true },
  'CFG Scale': { kind: 'float', cost: 0, withLabel: true },
  Sampler: { kind: 'string', cost: 0, withLabel: false },
  'Clip skip': { kind: 'int', cost: 0, withLabel: true },
  Hypernetwork: { kind: 'string', cost: 1, withLabel: true },
  'Hypernet str.': { kind: 'float', cost: 0, withLabel: true },
};

export function isAxisType(name: string): name is AxisType {
  return (AXIS_TYPES as readonly string[]).includes(name);
}

export interface AxisInput {
  type: AxisType;
  text: string;
}

export interface ParsedAxis {
  type: AxisType;
  /** the text as typed (the grid's "X Values") */
  text: string;
  values: AxisValue[];
  /** -1 seeds drawn for this run ("Fixed X Values" in the grid's parameters), else null */
  fixedSeeds: number[] | null;
}

/** What parsing needs to know about the app: names it accepts, and a source of random seeds. */
export interface AxisContext {
  /** the canonical sampler label for a name (label, id, alias; case-insensitive), or undefined */
  samplerLabel: (name: string) => string | undefined;
  /** the library's hypernetwork names (tag names), as the user sees them */
  hypernetworks: readonly string[];
  /** a fresh seed, 0 … 2³²−1 */
  randomSeed: () => number;
  /** A1111's "Keep -1 for seeds": leave -1 in Seed values (each image draws its own) instead of fixing them now */
  keepRandomSeeds: boolean;
}

/**
 * The values of one axis, as A1111 reads them: CSV, ranges for numbers, samplers and hypernetworks checked against
 * what exists ("Unknown sampler: x"). "Nothing" is one empty value. Seeds of -1 are drawn now unless kept.
 */
export function parseAxis({ type, text }: AxisInput, label: string, ctx: AxisContext): ParsedAxis {
  const option = AXIS_OPTIONS[type];
  if (option.kind === 'none') return { type, text: '', values: [null], fixedSeeds: null };
  const name = `${label} (${type})`;
  const items = splitCsv(text);
  if (items.length === 0 || text.trim() === '') throw new StudioError('bad-request', `${name}: enter at least one value.`);
  let values: AxisValue[];
  if (option.kind === 'int') values = expandInts(items, name);
  else if (option.kind === 'float') values = expandFloats(items, name);
  else values = items.map((item) => (type === 'Sampler' ? sampler(item, ctx, name) : hypernetwork(item, ctx, name)));
  if (values.length === 0) throw new StudioError('bad-request', `${name}: "${text.trim().slice(0, 40)}" gives no values.`);
  checkRange(type, values, name);
  let fixedSeeds: number[] | null = null;
  if (type === 'Seed' && !ctx.keepRandomSeeds) {
    values = values.map((v) => (v === -1 ? ctx.randomSeed() : v));
    fixedSeeds = values as number[];
  }
  return { type, text, values, fixedSeeds };
}

function sampler(item: string, ctx: AxisContext, name: string): string {
  const found = ctx.samplerLabel(item);
  if (found === undefined) throw new StudioError('bad-request', `${name}: unknown sampler: ${item.slice(0, 60)}`);
  return found;
}

/** "None" (any case) or an empty item: no hypernetwork, as A1111's apply_hypernetwork reads them. */
function hypernetwork(item: string, ctx: AxisContext, name: string): string | null {
  if (item === '' || item.toLowerCase() === 'none') return null;
  const found = ctx.hypernetworks.find((h) => h === item) ?? ctx.hypernetworks.find((h) => h.toLowerCase() === item.toLowerCase());
  if (found === undefined) throw new StudioError('bad-request', `${name}: unknown hypernetwork: ${item.slice(0, 60)} (the library has ${ctx.hypernetworks.length ? ctx.hypernetworks.join(', ') : 'none'}).`);
  return found;
}

/** Bounds the engine would refuse anyway, said before anything runs. */
function checkRange(type: AxisType, values: readonly AxisValue[], name: string): void {
  for (const v of values) {
    if (typeof v !== 'number') continue;
    const bad =
      (type === 'Seed' && (v < -1 || v > 0xffffffff)) ||
      (type === 'Steps' && (v < 1 || v > 150)) ||
      (type === 'Clip skip' && (v < 1 || v > 12)) ||
      (type === 'CFG Scale' && (v < 1 || v > 30)) ||
      (type === 'Hypernet str.' && Math.abs(v) > 10);
    if (bad) throw new StudioError('bad-request', `${name}: ${v} is out of range (${RANGES[type]}).`);
  }
}

const RANGES: Partial<Record<AxisType, string>> = {
  Seed: '-1 to 4294967295',
  Steps: '1 to 150',
  'Clip skip': '1 to 12',
  'CFG Scale': '1 to 30',
  'Hypernet str.': '-10 to 10',
};

/** A1111's label for a value: "Seed: 5", "CFG Scale: 7.0", "Euler a", "Hypernetwork: None"; "Nothing": "". */
export function axisLabel(type: AxisType, value: AxisValue): string {
  const option = AXIS_OPTIONS[type];
  if (option.kind === 'none') return '';
  const text = value === null ? 'None' : typeof value === 'number' ? (option.kind === 'float' ? pyFloatText(value) : String(value)) : value;
  return option.withLabel ? `${type}: ${text}` : text;
}
