/**
 * Python's character classes for `str` regexes, as JavaScript class bodies (use inside `[...]` with the `u`
 * flag). A1111's parsers are Python regexes; JavaScript's `\s` and `\w` differ at the edges.
 */

/** `\s`: the characters of Python's `str.isspace()` */
export const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** `\w`: Unicode letters, numbers and the underscore */
export const PY_WORD = '\\p{L}\\p{N}_';
