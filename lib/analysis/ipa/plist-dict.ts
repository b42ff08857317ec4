/**
 * Typed reads out of a parsed property list (see plist-parse.ts). Info.plist
 * files and provisioning profiles are written by many tools, so every getter
 * tolerates a missing or wrongly typed value and returns null / [] instead.
 */

export type PlistDict = Record<string, unknown>;

/** A plist <dict>: an object that is not an array, a date or data. */
export function isPlistDict(value: unknown): value is PlistDict {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  );
}

/** The trimmed string at `key`, or null when absent, not a string or blank. */
export function plistString(dict: PlistDict, key: string): string | null {
  const value = dict[key];
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/**
 * The non-blank strings of an array value, trimmed; a lone string counts as a
 * one-item list (some tools write a single value where Apple writes an array).
 */
export function plistStringList(value: unknown): string[] {
  if (typeof value === "string") return value.trim() ? [value.trim()] : [];
  if (!Array.isArray(value)) return [];
  const items: unknown[] = value;
  return items.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim());
}

/** The valid date at `key`, or null. */
export function plistDate(dict: PlistDict, key: string): Date | null {
  const value = dict[key];
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value : null;
}
