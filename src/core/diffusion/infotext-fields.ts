/**
 * The infotext fields of issue 14 as A1111 1.10 writes and reads them (`processing.create_infotext`,
 * `infotext_utils.parse_generation_parameters`): Schedule type, Clip skip, ENSD, variation seeds, seed resize,
 * denoising strength, hires fix, mask blur, eta, and the old `Hypernet: NAME, Hypernet strength: X`. Values
 * are read with anchored, linear patterns and a length cap. Spec: docs/img2img-hires.md §7.
 */
import { pyFloat } from './prompt/pyfloat.ts';

export interface Size2 {
  width: number;
  height: number;
}

/** The fields beyond Steps/Sampler/CFG/Seed/Size/Model that this module writes and reads. */
export interface A1111Fields {
  scheduleType?: string;
  variationSeed?: number;
  variationSeedStrength?: number;
  seedResizeFrom?: Size2;
  denoisingStrength?: number;
  clipSkip?: number;
  ensd?: number;
  hiresSampler?: string;
  hiresScheduleType?: string;
  hiresUpscale?: number;
  hiresResize?: Size2;
  hiresSteps?: number;
  hiresUpscaler?: string;
  maskBlur?: number;
  eta?: number;
  /** A1111 2022: `Hypernet: NAME, Hypernet strength: X` (read only; A1111 now writes a <hypernet:…> tag). */
  hypernet?: { name: string; strength: number };
}

type Kind = 'text' | 'int' | 'number' | 'size';

/** Infotext key, field and value kind, in the order A1111 1.10's create_infotext writes them. */
const FIELDS: readonly [key: string, field: keyof A1111Fields, kind: Kind][] = [
  ['Schedule type', 'scheduleType', 'text'],
  ['Variation seed', 'variationSeed', 'int'],
  ['Variation seed strength', 'variationSeedStrength', 'number'],
  ['Seed resize from', 'seedResizeFrom', 'size'],
  ['Denoising strength', 'denoisingStrength', 'number'],
  ['Clip skip', 'clipSkip', 'int'],
  ['ENSD', 'ensd', 'int'],
  ['Hires sampler', 'hiresSampler', 'text'],
  ['Hires schedule type', 'hiresScheduleType', 'text'],
  ['Hires upscale', 'hiresUpscale', 'number'],
  ['Hires resize', 'hiresResize', 'size'],
  ['Hires steps', 'hiresSteps', 'int'],
  ['Hires upscaler', 'hiresUpscaler', 'text'],
  ['Mask blur', 'maskBlur', 'int'],
  ['Eta', 'eta', 'number'],
];

/** Keys A1111 writes before these fields (create_infotext's head), and after (Version, User). */
const HEAD = ['Steps', 'Sampler', 'Schedule type', 'CFG scale', 'Image CFG scale', 'Seed', 'Face restoration', 'Size', 'Model hash', 'Model'];

/**
 * A1111's value text for a number: what Python prints for the int or float the UI sent (whole numbers arrive
 * as ints). Python's float repr: the shortest digits, in exponent form below 1e-4 or from 1e16 (`1e-05`).
 */
export function formatNumber(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return String(v);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const [mant = '', expText = '0'] = v.toExponential().split('e');
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) return String(v);
  return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function formatValue(v: unknown, kind: Kind): string {
  if (kind === 'size') return `${(v as Size2).width}x${(v as Size2).height}`;
  if (kind === 'text') return String(v);
  return formatNumber(v as number);
}

/**
 * Insert the fields into an infotext's parameter map where A1111 puts them: Schedule type after Sampler, the
 * rest after Model (before Version). Fields left undefined are not written, as A1111 drops None.
 */
export function withA1111Fields(params: Map<string, string>, fields: A1111Fields): Map<string, string> {
  const entries = [...params].filter(([k]) => !FIELDS.some(([key]) => key === k));
  const head: [string, string][] = [];
  const tail: [string, string][] = [];
  for (const [k, v] of entries) (HEAD.includes(k) ? head : tail).push([k, v]);
  const out = new Map<string, string>();
  for (const [k, v] of head) {
    out.set(k, v);
    if (k === 'Sampler' && fields.scheduleType !== undefined) out.set('Schedule type', fields.scheduleType);
  }
  for (const [key, field, kind] of FIELDS) {
    const v = fields[field];
    if (v !== undefined && !out.has(key)) out.set(key, formatValue(v, kind));
  }
  for (const [k, v] of tail) out.set(k, v);
  return out;
}

/** Values longer than this are not numbers or sizes A1111 wrote; they are reported, not parsed. */
const MAX_VALUE = 200;

function parseInt10(v: string): number | undefined {
  return /^-?\d{1,20}$/.test(v) ? Number(v) : undefined;
}

function parseValue(v: string, kind: Kind): unknown {
  const t = v.trim();
  if (kind === 'text') return t;
  if (t.length > MAX_VALUE) return undefined;
  if (kind === 'int') return parseInt10(t);
  if (kind === 'number') {
    const n = pyFloat(t);
    return n !== undefined && Number.isFinite(n) ? n : undefined;
  }
  const m = /^(\d{1,9})x(\d{1,9})$/.exec(t);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}

export interface ReadFields {
  fields: A1111Fields;
  /** Keys present whose value does not parse (named, with the value, in the notes). */
  invalid: { key: string; value: string }[];
  /** The prompt with A1111's old `Hypernet` field appended as a tag, as A1111's paste does. */
  prompt: string;
}

/**
 * Read the fields from parsed parameters (infotext.ts). A missing Clip skip is 1 and a missing Schedule type
 * "Automatic", as A1111 fills them; `Hypernet` becomes `<hypernet:NAME:STRENGTH>` appended to the prompt.
 */
export function readA1111Fields(params: ReadonlyMap<string, string>, prompt: string): ReadFields {
  const fields: A1111Fields = {};
  const invalid: { key: string; value: string }[] = [];
  const target = fields as Record<string, unknown>;
  for (const [key, field, kind] of FIELDS) {
    const raw = params.get(key);
    if (raw === undefined) continue;
    const v = parseValue(raw, kind);
    if (v === undefined) invalid.push({ key, value: raw.slice(0, 60) });
    else target[field] = v;
  }
  let outPrompt = prompt;
  const hypernet = params.get('Hypernet');
  if (hypernet !== undefined) {
    const strengthText = params.get('Hypernet strength') ?? '1.0';
    const strength = pyFloat(strengthText);
    // A1111 appends the tag whatever the strength says; the prompt parser then judges it
    outPrompt += `<hypernet:${hypernet}:${strengthText}>`;
    if (strength !== undefined && Number.isFinite(strength)) fields.hypernet = { name: hypernet, strength };
  }
  return { fields, invalid, prompt: outPrompt };
}

/** The keys this module understands (with Hypernet's), for telling unknown fields apart. */
export const A1111_FIELD_KEYS: readonly string[] = [...FIELDS.map(([k]) => k), 'Hypernet', 'Hypernet strength'];
