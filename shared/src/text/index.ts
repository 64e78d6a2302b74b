/**
 * Text from outside (WhatsApp messages, JSON bodies, forms, queries) is cleaned once at each
 * boundary (issue 14 item 3): a NUL byte cannot be stored by PostgreSQL at all ("invalid byte
 * sequence for encoding UTF8: 0x00"), so a message carrying one failed on every retry and held
 * up its sender's later messages; other control characters are invisible to the reader and only
 * ever hide something. Tab and line breaks are kept (people type them; a pasted list needs them),
 * carriage returns become line breaks, and lone surrogates become U+FFFD.
 */

/** C0 controls but tab and line feed, DEL, and the C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** The text without control characters (tab and line feed kept; CR LF and lone CR become LF). */
export function stripControlCharacters(text: string): string {
  return text.toWellFormed().replace(/\r\n?/g, '\n').replace(CONTROL, '');
}

/** Whether `text` holds a character {@link stripControlCharacters} would remove or change. */
export function hasControlCharacters(text: string): boolean {
  return stripControlCharacters(text) !== text;
}

/**
 * Every string in a parsed body (objects, arrays, nested) cleaned; everything else (numbers,
 * files, null) as it was. For zod's preprocess at the request-parsing layer.
 */
export function sanitizeDeep(value: unknown): unknown {
  if (typeof value === 'string') return stripControlCharacters(value);
  if (Array.isArray(value)) return value.map(sanitizeDeep);
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, sanitizeDeep(inner)]));
  }
  return value;
}

/** Plain objects: JSON's and the form parser's (which has no prototype); not a File or a Date. */
function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
