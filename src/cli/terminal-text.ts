/**
 * Text from a user's file, made safe to print: a hostile PNG's prompt may hold terminal escape sequences
 * (ESC, or the 8-bit CSI U+009B) that would recolour, retitle or rewrite the user's terminal, or bidi
 * overrides that reorder what is shown. Those characters are printed as \x.. / \u.. escapes instead.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const escape = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** Tabs are kept; newlines too when `multiline`, else shown as \n. */
export function terminalSafe(text: string, multiline = false): string {
  const out = text.replace(CONTROL, escape);
  return multiline ? out : out.replace(/\n/g, '\\n');
}

/** JSON for stdout: `JSON.stringify` leaves U+007F–U+009F and the bidi controls raw; they are escaped too. */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
