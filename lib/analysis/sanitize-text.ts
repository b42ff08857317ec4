/**
 * Text from uploaded files (Info.plist, provisioning profiles) is attacker
 * controlled. PostgreSQL refuses NUL in text and jsonb, and other control
 * characters only confuse pages and logs: they are removed (tab and newline
 * kept), and lone UTF-16 surrogates, which jsonb also refuses, become U+FFFD.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters we remove
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function sanitizeText(value: string): string {
  return value.replace(CONTROL, "").toWellFormed();
}

/** Sanitises every string (and object key) in plain data; other values are returned as they are. */
export function sanitizeDeep<T>(value: T): T {
  return sanitizeValue(value) as T;
}

function sanitizeValue(value: unknown): unknown {
  if (typeof value === "string") return sanitizeText(value);
  if (Array.isArray(value)) return value.map(sanitizeValue);
  if (value !== null && typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[sanitizeText(key)] = sanitizeValue(item);
    return out;
  }
  return value;
}
