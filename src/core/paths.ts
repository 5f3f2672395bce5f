/**
 * Relative paths that cannot leave their folder. Model folders name files in two places the user does not
 * control: a manifest (OPFS) and an ONNX graph's external-data `location`s. Both are checked here, before any
 * byte is read, so a crafted file can never make the app or the CLI read (and copy out) a file elsewhere.
 */

/**
 * True for a `/`-separated relative path with no empty, `.` or `..` segment, no backslash (a Windows separator
 * that would make `..\x` a parent reference there), no drive letter or URL scheme (`C:`, `file:`), no NUL.
 */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.length > 4096) return false;
  if (/[\\\0]/.test(path) || path.includes(':')) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}
