/**
 * What Ferry accepts in the Info.plist fields that identify a build. They name
 * the app (a bundle id is the key apps are stored under), appear in the
 * manifest iOS reads and on every page, so a value outside these rules is
 * refused with its own 422 code instead of being cleaned into something else
 * (a NUL removed from a bundle id would silently make it another app's).
 */
import { sanitizeText } from "@/lib/analysis/sanitize-text";
import { AppError } from "@/lib/errors";

/** Apple: CFBundleIdentifier uses only A–Z, a–z, 0–9, hyphen and period. 255 is the usual limit. */
export const BUNDLE_ID_PATTERN = /^[A-Za-z0-9.-]{1,255}$/;
/**
 * Apple documents versions as period-separated integers, but ad hoc and
 * enterprise builds also carry "1.0b3", "2.1-rc.1+45" or "2024.06.01_1": any
 * visible ASCII character is accepted; whitespace, control characters,
 * non-ASCII (look-alikes) and more than 64 characters are not.
 */
export const VERSION_PATTERN = /^[\x21-\x7e]{1,64}$/;
/** Names are shown under the icon and in lists: generous, but not a page of text. */
export const MAX_NAME_LENGTH = 128;

/** A short, unambiguous rendering of hostile text for an error message: ASCII only, cut at 60 characters. */
export function describeValue(value: string): string {
  const cut = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  const shown = cut.replace(/[^\x20-\x7e…]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `"${shown}"${value.length > 60 ? ` (${value.length} characters)` : ""}`;
}

export function checkBundleId(value: string, where: string): string {
  if (BUNDLE_ID_PATTERN.test(value)) return value;
  throw new AppError(
    "invalid_bundle_id",
    `${where} has the CFBundleIdentifier ${describeValue(value)}, which is not a bundle identifier: Apple allows only the letters A–Z and a–z, digits, hyphens and periods, at most 255 characters. Fix the Bundle Identifier in the Xcode target and export again.`,
  );
}

export function checkVersion(value: string, key: "CFBundleShortVersionString" | "CFBundleVersion", where: string) {
  if (VERSION_PATTERN.test(value)) return value;
  throw new AppError(
    "invalid_version",
    `${where} has the ${key} ${describeValue(value)}, which is not a version: use at most 64 visible ASCII characters without spaces, such as 1.2.3 or 45. Fix Version and Build in the Xcode target and export again.`,
  );
}

/**
 * A name on one line: control characters removed (as for any plist text),
 * runs of whitespace (newlines, tabs) become one space. Refused when longer
 * than MAX_NAME_LENGTH characters; null when nothing is left.
 */
export function checkName(value: string | null, key: string, where: string): string | null {
  if (value === null) return null;
  const name = sanitizeText(value).replace(/\s+/g, " ").trim();
  // Counted in characters (code points), so an emoji is one.
  let length = 0;
  for (const _ of name) if (++length > MAX_NAME_LENGTH) break;
  if (length > MAX_NAME_LENGTH) {
    throw new AppError(
      "invalid_name",
      `${where} has a ${key} of ${[...name].length} characters (${describeValue(name)}); an app name is at most ${MAX_NAME_LENGTH} characters. Shorten the Display Name in the Xcode target and export again.`,
    );
  }
  return name === "" ? null : name;
}
